import fs from 'fs-extra';
import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { appendJournal } from '../lab/journal.js';
import { updateState } from '../lab/state.js';
import { restoreCut } from './cut.js';
import { restoreHostFiles } from './host-files.js';
import { identityDifferences } from './identity.js';
import {
  machineIds,
  providerSnapshots,
  refuseActiveFaults,
  refuseProviderProblems,
  targetOfLab,
  waitUntilHealthy,
  type SnapshotLab,
  type SnapshotRun,
} from './machines.js';
import { requireRecord, restoringMarker, snapshotDir, type SnapshotRecord } from './record.js';

export interface RestoreResult {
  record: SnapshotRecord;
  /** Seconds: each phase, and from the command's start to a healthy cluster. */
  seconds: { stop: number; copy: number; start: number; healthy: number; total: number };
  /** Generated files that differ from the snapshot's (the spec changed since): the next apply converges. */
  changedFiles: string[];
}

/**
 * `kubelab snapshot restore NAME`, on a lab the caller holds: refuses unless the lab is the one the
 * snapshot was taken of, with no fault active; then every machine goes down, every machine's state
 * goes back, the host's files follow, and all start together. Returns once etcd has the
 * snapshot's members, all healthy, and every node's Lease was renewed after the restore began.
 */
export async function restoreSnapshot(lab: SnapshotLab, run: SnapshotRun & { name: string; startedAt: Date }): Promise<RestoreResult> {
  const { model, outDir } = lab;
  const started = run.startedAt;
  const record = await requireRecord(outDir, run.name);
  const ids = await machineIds(lab);
  const target = targetOfLab(lab, ids);
  const differences = identityDifferences(record, {
    provider: model.provider.type,
    kubernetesVersion: model.kubernetesVersion,
    nodes: model.nodes,
    machineIds: ids,
  });
  if (differences.length > 0) {
    throw new KubelabError(`snapshot ${record.name} does not fit the lab as it is now:\n${differences.map((d) => `  - ${d}`).join('\n')}`, {
      hint: `a snapshot goes back onto the machines it was taken of; put the spec back as it was, or take a new snapshot (\`kubelab snapshot delete ${record.name}\` frees this one)`,
      exitCode: EXIT.badInput,
    });
  }
  await refuseActiveFaults(outDir, 'restore a snapshot');
  await refuseProviderProblems(model.provider.type, target);
  const snapshots = providerSnapshots(model.provider.type);
  if (!(await snapshots.has(target, record.name))) {
    throw new KubelabError(`snapshot ${record.name}'s machine state is gone (its folder is there, the ${record.provider} provider's copy is not)`, {
      hint: `\`kubelab snapshot delete ${record.name}\` removes what is left of it`,
    });
  }
  const cluster = await lab.cluster('a snapshot goes back onto a cluster');
  await fs.writeJson(restoringMarker(outDir), { name: record.name, startedAt: started.toISOString(), pid: process.pid });
  let changedFiles: string[] = [];
  const cut = await restoreCut(snapshots, target, record.name, {
    log: run.log,
    beforeStart: async () => {
      changedFiles = await restoreHostFiles(outDir, snapshotDir(outDir, record.name), record.hostFiles);
      // Whatever fault state there was belonged to the timeline the restore leaves.
      await updateState(outDir, async (state) => {
        state.faults = [];
        state.lab = undefined;
      });
    },
  }).catch((error: unknown) => {
    throw new KubelabError(
      `restoring snapshot ${record.name} failed; the machines stay stopped, so that no etcd member runs beside peers from another moment`,
      {
        hint: `\`kubelab snapshot restore ${record.name}\` again finishes it (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
        cause: error,
      },
    );
  });
  await fs.remove(restoringMarker(outDir));
  await appendJournal(outDir, {
    action: 'snapshot-restore',
    id: null,
    kind: 'snapshot',
    targets: record.nodes.map((n) => n.name),
    params: { snapshot: record.name },
    result: 'ok',
  });
  run.log('the machines run again');
  const healthStarted = Date.now();
  await waitUntilHealthy(lab, cluster, run, started, record.etcdMembers);
  const total = (Date.now() - started.getTime()) / 1000;
  return { record, seconds: { ...cut, healthy: (Date.now() - healthStarted) / 1000, total }, changedFiles };
}
