import fs from 'fs-extra';
import { providerSnapshots, removeUnfinished, targetOfRecord } from './machines.js';
import { checkSnapshotName, listRecords, partialDir, readRecord, requireRecord, snapshotDir } from './record.js';

/**
 * The lab's snapshots as its output folder holds them: listed, deleted one by one, or all removed
 * with the machines. None of this needs the spec: the records say which machines and provider.
 */
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

/** Every snapshot of the lab in the output folder, oldest first, then the saves that never finished. */
export async function listSnapshots(outDir: string): Promise<SnapshotListing[]> {
  const { records, partial } = await listRecords(outDir);
  const listed = await Promise.all(
    records.map(async (r): Promise<SnapshotListing> => {
      const there = await providerSnapshots(r.provider).has(targetOfRecord(outDir, r), r.name);
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

/** Removes a snapshot (the provider's copy, then the folder), or what is left of an unfinished save; returns the bytes freed, when known. */
export async function deleteSnapshot(outDir: string, name: string): Promise<number | undefined> {
  checkSnapshotName(name);
  const record = await readRecord(outDir, name);
  if (!record) {
    if (!(await fs.pathExists(partialDir(outDir, name)))) await requireRecord(outDir, name);
    await removeUnfinished(outDir, name);
    return undefined;
  }
  await providerSnapshots(record.provider).remove(targetOfRecord(outDir, record), name);
  await fs.remove(snapshotDir(outDir, name));
  return record.machineBytes === undefined ? undefined : record.machineBytes + record.hostBytes;
}

/**
 * For destroy (which holds the lab already): removes every snapshot whose machine state outlives the
 * machines (the docker provider's volumes); VMs' snapshots go with their disks. Returns what it removed.
 */
export async function removeSnapshotsForDestroy(outDir: string): Promise<string[]> {
  const { records, partial } = await listRecords(outDir);
  const removed: string[] = [];
  for (const record of records) {
    const provider = providerSnapshots(record.provider);
    if (!provider.diesWithMachines) await provider.remove(targetOfRecord(outDir, record), record.name);
    removed.push(`snapshot ${record.name}`);
  }
  for (const name of partial) await removeUnfinished(outDir, name);
  return removed;
}
