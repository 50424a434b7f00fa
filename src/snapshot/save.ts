import fs from 'fs-extra';
import path from 'node:path';
import { firstEtcdView } from '../cluster/etcd.js';
import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { InterruptedError } from '../exec/run.js';
import { appendJournal } from '../lab/journal.js';
import { saveCut } from './cut.js';
import { saveEtcdArchive } from './etcd-archive.js';
import { hasCluster, saveHostFiles } from './host-files.js';
import {
  machineIds,
  PENDING,
  providerSnapshots,
  refuseActiveFaults,
  refuseProviderProblems,
  targetOfLab,
  waitUntilHealthy,
  type SnapshotLab,
  type SnapshotRun,
} from './machines.js';
import { checkSnapshotName, partialDir, readRecord, snapshotDir, writeRecord, type SnapshotRecord } from './record.js';

export interface SaveResult {
  record: SnapshotRecord;
  totalSeconds: number;
}

/**
 * `kubelab snapshot save NAME`, on a lab the caller holds: checks → etcd's archive (the fallback)
 * → the host's files into NAME.partial → one cut through every machine → the record, and the
 * folder renamed: a snapshot exists only once all of it is there. The cluster is healthy again
 * when it returns.
 */
export async function saveSnapshot(
  lab: SnapshotLab,
  run: SnapshotRun & {
    name: string;
    force: boolean;
    /** The rke that saves etcd's archive; none: the snapshot holds the machines only. */ rke: string | undefined;
  },
): Promise<SaveResult> {
  const started = Date.now();
  const name = checkSnapshotName(run.name);
  const { model, outDir } = lab;
  const ids = await machineIds(lab);
  const target = targetOfLab(lab, ids);
  const previous = await readRecord(outDir, name);
  if (previous && !run.force) {
    throw new KubelabError(`the lab already has a snapshot named ${name} (taken ${previous.createdAt})`, {
      hint: `choose another name, or replace it with \`kubelab snapshot save ${name} --force\``,
      exitCode: EXIT.badInput,
    });
  }
  await refuseActiveFaults(outDir, 'take a snapshot');
  if (!(await hasCluster(outDir))) {
    throw new KubelabError('the lab has no cluster to snapshot', { hint: 'bring it up with `kubelab apply` first' });
  }
  const without = model.nodes.filter((n) => ids.get(n.name) === undefined).map((n) => n.name);
  if (without.length > 0) throw new KubelabError(`nodes without a machine: ${without.join(', ')}`, { hint: 'bring the lab up with `kubelab apply` first' });
  const notRunning = (await Promise.all(lab.nodes.map(async (n) => [n.name, await n.state()] as const))).filter(([, s]) => s !== 'running');
  if (notRunning.length > 0) {
    throw new KubelabError(`a snapshot is taken of a running lab; ${notRunning.map(([n, s]) => `${n} is ${s}`).join(', ')}`, {
      hint: '`kubelab apply` starts the machines again',
    });
  }
  await refuseProviderProblems(model.provider.type, target);
  const cluster = await lab.cluster('a snapshot holds a cluster');
  const view = await firstEtcdView(lab.etcdNodes);
  if ('error' in view)
    throw new KubelabError(`etcd does not answer on ${lab.etcdNodes.map((n) => n.name).join(', ')}: ${view.error}`, {
      hint: 'a snapshot should hold a healthy cluster: look with `kubelab status`',
    });

  const snapshots = providerSnapshots(model.provider.type);
  const partial = partialDir(outDir, name);
  await fs.remove(partial);
  await fs.mkdirp(partial);
  // Should kubelab die before the end, destroy and delete know whose copy to remove.
  await fs.writeJson(path.join(partial, PENDING), { provider: model.provider.type });
  let etcdArchive: string | undefined;
  if (!run.rke) run.log("warning: no rke to save etcd's archive with; the snapshot holds the machines only");
  else {
    run.log("saving etcd's archive (rke etcd snapshot-save), the fallback should the machines be gone");
    etcdArchive = await saveEtcdArchive({ rke: run.rke, outDir, name, node: lab.etcdNodes[0]!, into: path.join(partial, 'etcd'), signal: run.signal }).catch(
      (error: unknown) => {
        if (run.signal.aborted) throw new InterruptedError("saving etcd's archive");
        run.log(
          `warning: etcd's archive was not saved (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); the snapshot holds the machines only`,
        );
        return undefined;
      },
    );
  }
  const host = await saveHostFiles(outDir, partial);
  if (run.signal.aborted) throw new InterruptedError('taking the snapshot');

  const machinesStarted = new Date();
  const cut = await saveCut(snapshots, target, name, { log: run.log }).catch(async (error: unknown) => {
    // A replaced snapshot keeps its machine state: the provider swaps each machine's copy only once it is whole.
    if (!previous) await snapshots.remove(target, name).catch(() => undefined);
    await fs.remove(partial);
    throw error;
  });
  run.log('the machines run again');
  const healthStarted = Date.now();
  const members = await waitUntilHealthy(lab, cluster, run, machinesStarted, view.members);
  const record: SnapshotRecord = {
    version: 1,
    name,
    createdAt: new Date(started).toISOString(),
    lab: model.name,
    provider: model.provider.type,
    kubernetesVersion: model.kubernetesVersion,
    nodes: model.nodes.map((n) => ({ name: n.name, ip: n.ip, roles: n.roles, machineId: ids.get(n.name)! })),
    etcdMembers: members,
    hostFiles: host.files,
    etcdArchive,
    machineBytes: cut.bytes,
    hostBytes: host.bytes + (etcdArchive ? (await fs.stat(path.join(partial, 'etcd', etcdArchive))).size : 0),
    seconds: { ...cut.times, healthy: (Date.now() - healthStarted) / 1000 },
  };
  await fs.remove(path.join(partial, PENDING));
  await writeRecord(partial, record);
  await fs.remove(snapshotDir(outDir, name));
  await fs.rename(partial, snapshotDir(outDir, name));
  await appendJournal(outDir, {
    action: 'snapshot-save',
    id: null,
    kind: 'snapshot',
    targets: record.nodes.map((n) => n.name),
    params: { snapshot: name },
    result: 'ok',
  });
  return { record, totalSeconds: (Date.now() - started) / 1000 };
}
