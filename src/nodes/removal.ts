import type { InstalledNode } from '../cluster/rke.js';
import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { LabModel, NodeModel } from '../model.js';
import { recordedMachines, type RecordedMachine } from './machine.js';

/** Machines kubelab made for this lab whose nodes the spec no longer names (or names for another provider). */
export async function strayMachines(outDir: string, model: LabModel): Promise<RecordedMachine[]> {
  return straysAmong(await recordedMachines(outDir), model);
}

/** Of the machines Vagrant recorded, those whose nodes the spec no longer names (or names for another provider). */
export function straysAmong(recorded: readonly RecordedMachine[], model: LabModel): RecordedMachine[] {
  const named = new Set(model.nodes.map((n) => n.name));
  return recorded.filter((m) => !named.has(m.node) || m.provider !== model.provider.type);
}

/**
 * Refuses a removal that leaves etcd without a majority of its current members (RKE removes them
 * one by one, each change needing a quorum of the members before it), or the cluster without a
 * controlplane node; `installed` is RKE's record of each node's roles.
 */
export function checkRemoval(installed: ReadonlyMap<string, Pick<InstalledNode, 'roles'>>, removed: readonly string[], force: boolean): void {
  if (force || removed.length === 0) return;
  const holding = (role: string): string[] => [...installed].filter(([, node]) => (node.roles as readonly string[]).includes(role)).map(([name]) => name);
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

/**
 * Refuses new nodes that would take the address of a node leaving the cluster: its machine holds
 * the address until rke up has removed the node, after the new machines start. Addresses go by
 * position in the spec, so this is what growing a group from one node to several does: a group
 * without `count` names its node after itself, with `count` its nodes are NAME-1, NAME-2, ….
 */
export function checkAddressesFree(
  installed: ReadonlyMap<string, Pick<InstalledNode, 'address'>>,
  removed: readonly string[],
  newNodes: readonly NodeModel[],
): void {
  const clashes = newNodes.flatMap((node) => {
    const holder = removed.find((name) => installed.get(name)?.address === node.ip);
    return holder ? [`${node.name} would take ${node.ip}, the address of ${holder}, which the spec no longer names`] : [];
  });
  if (clashes.length === 0) return;
  throw new KubelabError(`new nodes would take the addresses of nodes still in the cluster: ${clashes.join('; ')}`, {
    exitCode: EXIT.badInput,
    hint:
      'a group without `count` names its one node after itself, with `count` NAME-1, NAME-2, …, so growing it renames its node. ' +
      'To keep the node, add the new ones as a group of their own; to replace it, apply once without it, then with the nodes you want. ' +
      'A group that may grow can say `count: 1` from the start',
  });
}
