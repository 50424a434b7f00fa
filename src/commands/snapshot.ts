import { labRke } from '../kit/tools.js';
import type { BusyPolicy } from '../lab/lock.js';
import { deleteSnapshot, listSnapshots, type SnapshotListing } from '../snapshot/catalog.js';
import { checkSnapshotName } from '../snapshot/record.js';
import { restoreSnapshot, type RestoreResult } from '../snapshot/restore.js';
import { saveSnapshot, type SaveResult } from '../snapshot/save.js';
import { openLab, openLabFolder } from './lab.js';

export type { SnapshotListing } from '../snapshot/catalog.js';

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

const held = (options: Omit<SnapshotOptions, 'timeoutMs' | 'spec'>, command: string) => ({
  out: options.out,
  changes: command,
  busy: options.busy,
  graceMs: options.graceMs,
  note: options.log,
  signal: options.signal,
});

/** `kubelab snapshot save NAME`: the lab held while one cut goes through every machine (src/snapshot/save.ts). */
export async function snapshotSave(options: SnapshotOptions & { name: string; force: boolean; rke?: string }): Promise<SaveResult> {
  // A name that could reach outside the snapshots' folder is refused before anything is read.
  checkSnapshotName(options.name);
  return openLab({ spec: options.spec, ...held(options, 'snapshot save') }, async (lab) => {
    const rke = await labRke(lab.model, options.rke);
    return saveSnapshot(lab, { ...options, rke: rke?.path });
  });
}

/** `kubelab snapshot restore NAME`: the lab held while every machine goes back (src/snapshot/restore.ts). */
export async function snapshotRestore(options: SnapshotOptions & { name: string }): Promise<RestoreResult> {
  const startedAt = new Date();
  checkSnapshotName(options.name);
  return openLab({ spec: options.spec, ...held(options, 'snapshot restore') }, (lab) => restoreSnapshot(lab, { ...options, startedAt }));
}

/** `kubelab snapshot list`: every snapshot of the lab in the output folder; needs no spec. */
export async function snapshotList(options: { out: string }): Promise<SnapshotListing[]> {
  return openLabFolder({ out: options.out, note: () => undefined }, (folder) => listSnapshots(folder.outDir));
}

/** `kubelab snapshot delete NAME`: returns the bytes freed, when known. */
export async function snapshotDelete(options: Omit<SnapshotOptions, 'spec' | 'timeoutMs'> & { name: string }): Promise<number | undefined> {
  checkSnapshotName(options.name);
  return openLabFolder(held(options, 'snapshot delete'), (folder) => deleteSnapshot(folder.outDir, options.name));
}
