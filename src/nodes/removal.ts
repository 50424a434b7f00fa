import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { LabModel } from '../model.js';
import { recordedMachines, type RecordedMachine } from './machine.js';

/** Machines kubelab made for this lab whose nodes the spec no longer names (or names for another provider). */
export async function strayMachines(outDir: string, model: LabModel): Promise<RecordedMachine[]> {
  const named = new Set(model.nodes.map((n) => n.name));
  return (await recordedMachines(outDir)).filter((m) => !named.has(m.node) || m.provider !== model.provider.type);
}

/**
 * Refuses a removal that leaves etcd without a majority of its current members (RKE removes them
 * one by one, each change needing a quorum of the members before it), or the cluster without a
 * controlplane node; `installed` is RKE's record of each node's roles.
 */
export function checkRemoval(installed: ReadonlyMap<string, readonly string[]>, removed: readonly string[], force: boolean): void {
  if (force || removed.length === 0) return;
  const holding = (role: string): string[] => [...installed].filter(([, roles]) => roles.includes(role)).map(([name]) => name);
  const etcd = holding('etcd');
  const etcdGone = etcd.filter((n) => removed.includes(n));
  const quorum = Math.floor(etcd.length / 2) + 1;
  const problems: string[] = [];
  if (etcdGone.length > 0 && etcd.length - etcdGone.length < quorum) {
    problems.push(
      `it takes ${etcdGone.join(', ')} out of etcd's ${etcd.length} members, leaving ${etcd.length - etcdGone.length}, fewer than the ${quorum} a change of members needs`,
    );
  }
  const controlplane = holding('controlplane');
  if (controlplane.length > 0 && controlplane.every((n) => removed.includes(n)))
    problems.push(`it takes out every controlplane node (${controlplane.join(', ')})`);
  if (problems.length > 0) {
    throw new KubelabError(`the spec removes nodes in a way the cluster may not survive: ${problems.join('; ')}`, {
      exitCode: EXIT.badInput,
      hint: 'remove fewer at a time (one apply each), or pass --force-removal to do it anyway',
    });
  }
}
