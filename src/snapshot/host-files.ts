import fs from 'fs-extra';
import path from 'node:path';
import { readBoundedText } from '../input/read.js';
import { LAB_FILES } from '../lab/files.js';
import { MANIFEST_FILE } from '../output/manifest.js';

/**
 * The host's half of a lab: RKE's state and the kubeconfig belong to the cluster of the moment
 * (its certificates, its nodes), so they are saved and put back with the machines. cluster.yml
 * and the manifest are kept as the record of what was generated then; a restore leaves the
 * generated files as the spec makes them now, and the next `apply` brings the cluster to them.
 */
const SAVED = ['cluster.yml', MANIFEST_FILE, LAB_FILES.rkeState, LAB_FILES.kubeconfig] as const;
const RESTORED: readonly string[] = [LAB_FILES.rkeState, LAB_FILES.kubeconfig];
const FOLDER = 'files';
/** cluster.yml and the manifest: a few hundred kilobytes at most. */
const MAX_COMPARED_BYTES = 16 * 1024 * 1024;

/** Copies the host's files into the snapshot's folder; returns their names and total size. */
export async function saveHostFiles(outDir: string, snapshotDir: string): Promise<{ files: string[]; bytes: number }> {
  const files: string[] = [];
  let bytes = 0;
  for (const name of SAVED) {
    const from = path.join(outDir, name);
    if (!(await fs.pathExists(from))) continue;
    await fs.copy(from, path.join(snapshotDir, FOLDER, name), { preserveTimestamps: true });
    bytes += (await fs.stat(from)).size;
    files.push(name);
  }
  return { files, bytes };
}

/** Puts RKE's state and the kubeconfig back (each replaced whole); returns the generated files that differ now. */
export async function restoreHostFiles(outDir: string, snapshotDir: string, files: readonly string[]): Promise<string[]> {
  for (const name of files.filter((f) => RESTORED.includes(f))) {
    const target = path.join(outDir, name);
    const temp = `${target}.${process.pid}.tmp`;
    await fs.copy(path.join(snapshotDir, FOLDER, name), temp, { preserveTimestamps: true });
    await fs.rename(temp, target);
  }
  const changed: string[] = [];
  for (const name of files.filter((f) => !RESTORED.includes(f))) {
    const [then, now] = await Promise.all([
      readBoundedText(path.join(snapshotDir, FOLDER, name), MAX_COMPARED_BYTES),
      readBoundedText(path.join(outDir, name), MAX_COMPARED_BYTES).catch(() => ''),
    ]);
    if (then !== now) changed.push(name);
  }
  return changed;
}

/** Whether the lab has a cluster to snapshot: RKE's state and a kubeconfig. */
export async function hasCluster(outDir: string): Promise<boolean> {
  return (await fs.pathExists(path.join(outDir, LAB_FILES.rkeState))) && (await fs.pathExists(path.join(outDir, LAB_FILES.kubeconfig)));
}
