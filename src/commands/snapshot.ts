import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { appendJournal } from '../lab/journal.js';
import { readState, updateState } from '../lab/state.js';
import { labKubectl, labRke } from '../kit/tools.js';
import { LAB_FILES } from '../lab/files.js';
import type { LabModel } from '../model.js';
import { labAccess } from '../lab/access.js';
import { recordedMachineId } from '../nodes/machine.js';
import { labNodes, type LabNode } from '../nodes/node.js';
import type { SnapshotTarget } from '../providers/driver.js';
import { DRIVERS } from '../providers/drivers.js';
import { InterruptedError } from '../exec/run.js';
import { withLabLock, type BusyPolicy } from '../lab/lock.js';
import { restoreCut, saveCut } from '../snapshot/cut.js';
import { saveEtcdArchive } from '../snapshot/etcd-archive.js';
import { etcdView, waitForHealth } from '../snapshot/health.js';
import { hasCluster, restoreHostFiles, saveHostFiles } from '../snapshot/host-files.js';
import { identityDifferences } from '../snapshot/identity.js';
import {
  checkSnapshotName,
  listRecords,
  partialDir,
  readRecord,
  requireRecord,
  restoringMarker,
  snapshotDir,
  writeRecord,
  type SnapshotRecord,
} from '../snapshot/record.js';
import { readJsonFile } from '../input/json.js';
import { literal, object, optional } from '../input/shape.js';
import { compileSpec } from '../spec/index.js';
import type { ProviderType } from '../spec/types.js';

/** In a save's unfinished folder: the provider whose copy a cleanup must remove. */
const PENDING = 'pending.json';

async function removeUnfinished(outDir: string, name: string): Promise<void> {
  const partial = partialDir(outDir, name);
  const pending = await readJsonFile(path.join(partial, PENDING), {
    maxBytes: 64 * 1024,
    shape: object({ provider: optional(literal(...(Object.keys(DRIVERS) as ProviderType[]))) }),
    hint: `it names the provider that holds this save's copy of the machines: remove ${partial} by hand, and that copy with the provider's own tools`,
  });
  if (pending?.provider) await snapshots(pending.provider).remove({ outDir, machines: [] }, name);
  await fs.remove(partial);
}

export interface SnapshotOptions {
  spec: string;
  out: string;
  log: (line: string) => void;
  signal: AbortSignal;
  busy?: BusyPolicy;
  graceMs?: number;
  /** How long the cluster may take to be healthy again after the machines start. */
  timeoutMs: number;
}

/** The lab as the spec and Vagrant's records have it now, and the ways to reach it. */
interface Lab {
  model: LabModel;
  outDir: string;
  nodes: LabNode[];
  etcdNodes: LabNode[];
  target: SnapshotTarget;
  machineIds: Map<string, string | undefined>;
}

async function loadLab(options: { spec: string; out: string }): Promise<Lab> {
  const outDir = path.resolve(options.out);
  const { model } = await compileSpec(options.spec, options.out);
  const lab = labAccess(model);
  const nodes = labNodes(outDir, lab);
  const machineIds = new Map(await Promise.all(model.nodes.map(async (n) => [n.name, await recordedMachineId(outDir, model.provider.type, n.name)] as const)));
  const machines = model.nodes.flatMap((n) => {
    const id = machineIds.get(n.name);
    return id === undefined ? [] : [{ node: n.name, id, outDir }];
  });
  const etcdNodes = nodes.filter((n) => n.ref.roles.includes('etcd'));
  return { model, outDir, nodes, etcdNodes, target: { outDir, machines }, machineIds };
}

const snapshots = (provider: ProviderType) => DRIVERS[provider].snapshots;

/** Refuses when a fault is active: its effects would be saved with the machines, or mixed with a restored state. */
async function refuseActiveFaults(outDir: string, doing: string): Promise<void> {
  const { faults } = await readState(outDir);
  if (faults.length === 0) return;
  throw new KubelabError(`cannot ${doing} while faults are active: ${faults.map((f) => `${f.id} ${f.kind}`).join(', ')}`, {
    hint: 'undo them first with `kubelab fault clear`',
  });
}

async function refuseProviderProblems(lab: Lab): Promise<void> {
  const problems = await snapshots(lab.model.provider.type).check(lab.target);
  if (problems.length > 0) throw new KubelabError(`snapshots cannot be taken here: ${problems.join('; ')}`, { exitCode: EXIT.prerequisite });
}

async function kubectlFor(model: LabModel): Promise<string> {
  const kubectl = await labKubectl(model);
  if (!kubectl)
    throw new KubelabError('no kubectl to check the cluster with', {
      hint: 'build the kit (`kubelab kit build`) or put kubectl on PATH',
      exitCode: EXIT.prerequisite,
    });
  return kubectl.path;
}

function healthGoal(lab: Lab, kubectl: string, since: Date, members: string[] | undefined, options: SnapshotOptions) {
  return {
    etcdNodes: lab.etcdNodes,
    members,
    nodes: lab.model.nodes.map((n) => n.name),
    since,
    kubectl,
    kubeconfig: path.join(lab.outDir, LAB_FILES.kubeconfig),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    onPoll: (status: string) => options.log(`waiting for the cluster: ${status}`),
  };
}

const lockOptions = (options: SnapshotOptions, command: string) => ({
  command,
  busy: options.busy ?? 'fail',
  note: options.log,
  signal: options.signal,
  graceMs: options.graceMs,
  retry: `kubelab ${command}`,
});

export interface SaveResult {
  record: SnapshotRecord;
  totalSeconds: number;
}

/**
 * `kubelab snapshot save NAME`: checks → etcd's archive (the fallback) → the host's files into
 * NAME.partial → one cut through every machine → the record, and the folder renamed: a snapshot
 * exists only once all of it is there. The cluster is healthy again when it returns.
 */
export async function snapshotSave(options: SnapshotOptions & { name: string; force: boolean; rke?: string }): Promise<SaveResult> {
  const name = checkSnapshotName(options.name);
  const lab = await loadLab(options);
  return withLabLock(lab.outDir, lockOptions(options, 'snapshot save'), async () => {
    const started = Date.now();
    const { model, outDir, target } = lab;
    const previous = await readRecord(outDir, name);
    if (previous && !options.force) {
      throw new KubelabError(`the lab already has a snapshot named ${name} (taken ${previous.createdAt})`, {
        hint: `choose another name, or replace it with \`kubelab snapshot save ${name} --force\``,
        exitCode: EXIT.badInput,
      });
    }
    await refuseActiveFaults(outDir, 'take a snapshot');
    if (!(await hasCluster(outDir))) {
      throw new KubelabError('the lab has no cluster to snapshot', { hint: 'bring it up with `kubelab apply` first' });
    }
    const without = model.nodes.filter((n) => lab.machineIds.get(n.name) === undefined).map((n) => n.name);
    if (without.length > 0) throw new KubelabError(`nodes without a machine: ${without.join(', ')}`, { hint: 'bring the lab up with `kubelab apply` first' });
    const notRunning = (await Promise.all(lab.nodes.map(async (n) => [n.name, await n.state()] as const))).filter(([, s]) => s !== 'running');
    if (notRunning.length > 0) {
      throw new KubelabError(`a snapshot is taken of a running lab; ${notRunning.map(([n, s]) => `${n} is ${s}`).join(', ')}`, {
        hint: '`kubelab apply` starts the machines again',
      });
    }
    await refuseProviderProblems(lab);
    const kubectl = await kubectlFor(model);
    const view = await firstEtcdView(lab.etcdNodes);
    if ('error' in view)
      throw new KubelabError(`etcd does not answer on ${lab.etcdNodes.map((n) => n.name).join(', ')}: ${view.error}`, {
        hint: 'a snapshot should hold a healthy cluster: look with `kubelab status`',
      });

    const partial = partialDir(outDir, name);
    await fs.remove(partial);
    await fs.mkdirp(partial);
    // Should kubelab die before the end, destroy and delete know whose copy to remove.
    await fs.writeJson(path.join(partial, PENDING), { provider: model.provider.type });
    let etcdArchive: string | undefined;
    const rke = await labRke(model, options.rke);
    if (!rke) options.log("warning: no rke to save etcd's archive with; the snapshot holds the machines only");
    else {
      options.log("saving etcd's archive (rke etcd snapshot-save), the fallback should the machines be gone");
      etcdArchive = await saveEtcdArchive({
        rke: rke.path,
        outDir,
        name,
        node: lab.etcdNodes[0]!,
        into: path.join(partial, 'etcd'),
        signal: options.signal,
      }).catch((error: unknown) => {
        if (options.signal.aborted) throw new InterruptedError("saving etcd's archive");
        options.log(
          `warning: etcd's archive was not saved (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); the snapshot holds the machines only`,
        );
        return undefined;
      });
    }
    const host = await saveHostFiles(outDir, partial);
    if (options.signal.aborted) throw new InterruptedError('taking the snapshot');

    const machinesStarted = new Date();
    const cut = await saveCut(snapshots(model.provider.type), target, name, { log: options.log }).catch(async (error: unknown) => {
      // A replaced snapshot keeps its machine state: the provider swaps each machine's copy only once it is whole.
      if (!previous)
        await snapshots(model.provider.type)
          .remove(target, name)
          .catch(() => undefined);
      await fs.remove(partial);
      throw error;
    });
    options.log('the machines run again');
    const healthStarted = Date.now();
    const members = await waitForHealth(healthGoal(lab, kubectl, machinesStarted, view.members, options));
    const record: SnapshotRecord = {
      version: 1,
      name,
      createdAt: new Date(started).toISOString(),
      lab: model.name,
      provider: model.provider.type,
      kubernetesVersion: model.kubernetesVersion,
      nodes: model.nodes.map((n) => ({ name: n.name, ip: n.ip, roles: n.roles, machineId: lab.machineIds.get(n.name)! })),
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
  });
}

async function firstEtcdView(nodes: LabNode[]): Promise<Awaited<ReturnType<typeof etcdView>>> {
  let view: Awaited<ReturnType<typeof etcdView>> = { error: 'the lab has no etcd node' };
  for (const node of nodes) {
    view = await etcdView(node);
    if (!('error' in view)) break;
  }
  return view;
}

export interface RestoreResult {
  record: SnapshotRecord;
  /** Seconds: each phase, and from the command's start to a healthy cluster. */
  seconds: { stop: number; copy: number; start: number; healthy: number; total: number };
  /** Generated files that differ from the snapshot's (the spec changed since): the next apply converges. */
  changedFiles: string[];
}

/**
 * `kubelab snapshot restore NAME`: refuses unless the lab is the one the snapshot was taken of,
 * with no fault active; then every machine goes down, every machine's state goes back, the host's
 * files follow, and all start together. Returns once etcd has the snapshot's members, all healthy,
 * and every node's Lease was renewed after the restore began.
 */
export async function snapshotRestore(options: SnapshotOptions & { name: string }): Promise<RestoreResult> {
  const started = new Date();
  const lab = await loadLab(options);
  return withLabLock(lab.outDir, lockOptions(options, 'snapshot restore'), async () => {
    const { model, outDir, target } = lab;
    const record = await requireRecord(outDir, options.name);
    const differences = identityDifferences(record, {
      provider: model.provider.type,
      kubernetesVersion: model.kubernetesVersion,
      nodes: model.nodes,
      machineIds: lab.machineIds,
    });
    if (differences.length > 0) {
      throw new KubelabError(`snapshot ${record.name} does not fit the lab as it is now:\n${differences.map((d) => `  - ${d}`).join('\n')}`, {
        hint: `a snapshot goes back onto the machines it was taken of; put the spec back as it was, or take a new snapshot (\`kubelab snapshot delete ${record.name}\` frees this one)`,
        exitCode: EXIT.badInput,
      });
    }
    await refuseActiveFaults(outDir, 'restore a snapshot');
    await refuseProviderProblems(lab);
    if (!(await snapshots(model.provider.type).has(target, record.name))) {
      throw new KubelabError(`snapshot ${record.name}'s machine state is gone (its folder is there, the ${record.provider} provider's copy is not)`, {
        hint: `\`kubelab snapshot delete ${record.name}\` removes what is left of it`,
      });
    }
    const kubectl = await kubectlFor(model);
    await fs.writeJson(restoringMarker(outDir), { name: record.name, startedAt: started.toISOString(), pid: process.pid });
    let changedFiles: string[] = [];
    const cut = await restoreCut(snapshots(model.provider.type), target, record.name, {
      log: options.log,
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
    options.log('the machines run again');
    const healthStarted = Date.now();
    await waitForHealth(healthGoal(lab, kubectl, started, record.etcdMembers, options));
    const total = (Date.now() - started.getTime()) / 1000;
    return { record, seconds: { ...cut, healthy: (Date.now() - healthStarted) / 1000, total }, changedFiles };
  });
}

export interface SnapshotListing {
  name: string;
  createdAt: string;
  nodes: string[];
  kubernetesVersion: string;
  provider: string;
  /** Bytes on the host: the machines' state (when the provider tells) and the host's files. */
  bytes: number | undefined;
  /** complete; partial: a save that never finished; missing: the provider's copy is gone. */
  status: 'complete' | 'partial' | 'missing';
}

/** `kubelab snapshot list`: every snapshot of the lab in the output folder; needs no spec. */
export async function snapshotList(options: { out: string }): Promise<SnapshotListing[]> {
  const outDir = path.resolve(options.out);
  const { records, partial } = await listRecords(outDir);
  const listed = await Promise.all(
    records.map(async (r): Promise<SnapshotListing> => {
      const there = await snapshots(r.provider).has(targetOf(outDir, r), r.name);
      return {
        name: r.name,
        createdAt: r.createdAt,
        nodes: r.nodes.map((n) => n.name),
        kubernetesVersion: r.kubernetesVersion,
        provider: r.provider,
        bytes: r.machineBytes === undefined ? undefined : r.machineBytes + r.hostBytes,
        status: there ? 'complete' : 'missing',
      };
    }),
  );
  const unfinished = partial.map((name): SnapshotListing => ({
    name,
    createdAt: '',
    nodes: [],
    kubernetesVersion: '',
    provider: '',
    bytes: undefined,
    status: 'partial',
  }));
  return [...listed, ...unfinished];
}

/** The machines a snapshot was taken of, as the record has them: what delete and destroy act on. */
function targetOf(outDir: string, record: SnapshotRecord): SnapshotTarget {
  return { outDir, machines: record.nodes.map((n) => ({ node: n.name, id: n.machineId, outDir })) };
}

/** `kubelab snapshot delete NAME`: the provider's copy, then the folder; returns the bytes freed, when known. */
export async function snapshotDelete(options: {
  out: string;
  name: string;
  log: (line: string) => void;
  signal: AbortSignal;
  busy?: BusyPolicy;
  graceMs?: number;
}): Promise<number | undefined> {
  const outDir = path.resolve(options.out);
  const name = checkSnapshotName(options.name);
  return withLabLock(
    outDir,
    {
      command: 'snapshot delete',
      busy: options.busy ?? 'fail',
      note: options.log,
      signal: options.signal,
      graceMs: options.graceMs,
      retry: 'kubelab snapshot delete',
    },
    async () => {
      const record = await readRecord(outDir, name);
      if (!record) {
        if (!(await fs.pathExists(partialDir(outDir, name)))) await requireRecord(outDir, name);
        await removeUnfinished(outDir, name);
        return undefined;
      }
      await snapshots(record.provider).remove(targetOf(outDir, record), name);
      await fs.remove(snapshotDir(outDir, name));
      return record.machineBytes === undefined ? undefined : record.machineBytes + record.hostBytes;
    },
  );
}

/**
 * For destroy (which holds the lab already): removes every snapshot whose machine state outlives the
 * machines (the docker provider's volumes); VMs' snapshots go with their disks. Returns what it removed.
 */
export async function removeSnapshotsForDestroy(outDir: string): Promise<string[]> {
  const { records, partial } = await listRecords(outDir);
  const removed: string[] = [];
  for (const record of records) {
    const provider = snapshots(record.provider);
    if (!provider.diesWithMachines) await provider.remove(targetOf(outDir, record), record.name);
    removed.push(`snapshot ${record.name}`);
  }
  for (const name of partial) await removeUnfinished(outDir, name);
  return removed;
}
