import fs from 'fs-extra';
import path from 'node:path';
import type { ClusterApi } from '../cluster/kube.js';
import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { readState } from '../lab/state.js';
import type { LabModel } from '../model.js';
import { recordedMachineId } from '../nodes/machine.js';
import type { LabNode } from '../nodes/node.js';
import type { MachineSnapshots, SnapshotTarget } from '../providers/driver.js';
import { DRIVERS } from '../providers/drivers.js';
import { readJsonFile } from '../input/json.js';
import { literal, object, optional } from '../input/shape.js';
import { PROVIDER_TYPES, type ProviderType } from '../vocabulary.js';
import { waitForHealth } from './health.js';
import { partialDir, type SnapshotRecord } from './record.js';
import { isKubernetesNode } from '../vocabulary.js';

/** What snapshots need of an open lab (src/commands/lab.ts gives it): its model, folder, nodes and cluster. */
export interface SnapshotLab {
  outDir: string;
  model: LabModel;
  nodes: readonly LabNode[];
  etcdNodes: readonly LabNode[];
  cluster(why?: string): Promise<ClusterApi>;
}

/** What every snapshot operation takes besides the lab. */
export interface SnapshotRun {
  log: (line: string) => void;
  signal: AbortSignal;
  /** How long the cluster may take to be healthy again after the machines start. */
  timeoutMs: number;
}

/** The provider's half of snapshots. */
export const providerSnapshots = (provider: ProviderType): MachineSnapshots => DRIVERS[provider].snapshots;

/** Every node's machine as Vagrant records it now (undefined: the node has none). */
export async function machineIds(lab: SnapshotLab): Promise<Map<string, string | undefined>> {
  return new Map(await Promise.all(lab.model.nodes.map(async (n) => [n.name, await recordedMachineId(lab.outDir, lab.model.provider.type, n.name)] as const)));
}

/** The lab's machines, for the provider's snapshot calls. */
export function targetOfLab(lab: SnapshotLab, ids: ReadonlyMap<string, string | undefined>): SnapshotTarget {
  const machines = lab.model.nodes.flatMap((n) => {
    const id = ids.get(n.name);
    return id === undefined ? [] : [{ node: n.name, id, outDir: lab.outDir }];
  });
  return { outDir: lab.outDir, machines };
}

/** The machines a snapshot was taken of, as its record has them: what delete and destroy act on. */
export function targetOfRecord(outDir: string, record: SnapshotRecord): SnapshotTarget {
  return { outDir, machines: record.nodes.map((n) => ({ node: n.name, id: n.machineId, outDir })) };
}

/** Refuses while a fault is active: its effects would be saved with the machines, or mixed with a restored state. */
export async function refuseActiveFaults(outDir: string, doing: string): Promise<void> {
  const { faults } = await readState(outDir);
  if (faults.length === 0) return;
  throw new KubelabError(`cannot ${doing} while faults are active: ${faults.map((f) => `${f.id} ${f.kind}`).join(', ')}`, {
    hint: 'undo them first with `kubelab fault clear`',
  });
}

export async function refuseProviderProblems(provider: ProviderType, target: SnapshotTarget): Promise<void> {
  const problems = await providerSnapshots(provider).check(target);
  if (problems.length > 0) throw new KubelabError(`snapshots cannot be taken here: ${problems.join('; ')}`, { exitCode: EXIT.prerequisite });
}

/**
 * Waits until the lab's cluster is healthy again after its machines started at `since`: etcd with
 * `members` (any, when undefined), every node's Lease renewed since; returns etcd's members.
 */
export function waitUntilHealthy(lab: SnapshotLab, cluster: ClusterApi, run: SnapshotRun, since: Date, members: string[] | undefined): Promise<string[]> {
  return waitForHealth({
    etcdNodes: lab.etcdNodes,
    members,
    nodes: lab.model.nodes.filter((n) => isKubernetesNode(n.roles)).map((n) => n.name),
    since,
    cluster,
    timeoutMs: run.timeoutMs,
    signal: run.signal,
    onPoll: (status) => run.log(`waiting for the cluster: ${status}`),
  });
}

/** In a save's unfinished folder: the provider whose copy a cleanup must remove. */
export const PENDING = 'pending.json';

/** Removes a save that never finished: the provider's copy, then its folder. */
export async function removeUnfinished(outDir: string, name: string): Promise<void> {
  const partial = partialDir(outDir, name);
  const pending = await readJsonFile(path.join(partial, PENDING), {
    maxBytes: 64 * 1024,
    shape: object({ provider: optional(literal(...PROVIDER_TYPES)) }),
    hint: `it names the provider that holds this save's copy of the machines: remove ${partial} by hand, and that copy with the provider's own tools`,
  });
  if (pending?.provider) await providerSnapshots(pending.provider).remove({ outDir, machines: [] }, name);
  await fs.remove(partial);
}
