import fs from 'fs-extra';
import path from 'node:path';
import { LAB_FILES, logFile } from '../lab/files.js';
import { DRIVERS } from '../providers/drivers.js';
import { stopServices } from '../host-services/daemon.js';
import { runStreamed } from '../exec/run.js';
import { dropFaultsForDestroy } from '../fault/engine.js';
import { removeSnapshotsForDestroy } from '../snapshot/catalog.js';
import type { BusyPolicy } from '../lab/lock.js';
import { openLabFolder, type LabFolder } from './lab.js';
import { recordedMachines, removeRecordedMachine } from '../nodes/machine.js';

export interface DestroyOptions {
  out: string;
  log: (line: string) => void;
  signal: AbortSignal;
  /** When another kubelab command holds the lab, or its children still run: refuse (the default), wait, or stop it. */
  busy?: BusyPolicy;
  graceMs?: number;
}

/**
 * Removes every machine and every file the runner wrote, and leaves the generated (committed) files
 * alone. Works without a valid spec and on a half-created lab: it reads only what is on disk.
 */
export async function destroy(options: DestroyOptions): Promise<{ removedFiles: string[]; removedLeftovers: string[] }> {
  return openLabFolder(
    { out: options.out, changes: 'destroy', busy: options.busy, note: options.log, signal: options.signal, graceMs: options.graceMs },
    (folder) => destroyHeld(options, folder),
  );
}

async function destroyHeld(options: DestroyOptions, folder: LabFolder): Promise<{ removedFiles: string[]; removedLeftovers: string[] }> {
  const { outDir } = folder;
  // Active faults go with the machines: end their timers, resume frozen machines, journal them.
  const dropped = await dropFaultsForDestroy({ outDir, note: options.log }).catch((error: unknown) => {
    options.log(`warning: could not clear the active faults: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  });
  if (dropped.length > 0) options.log(`cleared the active faults ${dropped.join(', ')} (journal: ${LAB_FILES.journal})`);
  const stopped = await stopServices(outDir);
  if (stopped.length > 0)
    options.log(`stopped ${stopped.join(', ')} on the host; what they stored stays for the next lab (\`kubelab services prune\` empties it)`);
  // Snapshots fit these machines only, so they go with them.
  const snapshots = await removeSnapshotsForDestroy(outDir);
  if (snapshots.length > 0) options.log(`removed ${snapshots.join(', ')}`);
  const hasMachines = await fs.pathExists(path.join(outDir, LAB_FILES.vagrantDir, 'machines'));
  const removedLeftovers: string[] = [];
  if (hasMachines) {
    // Destroy runs without a spec: every provider looks for what it may leave behind.
    const leftovers = await Promise.all(Object.values(DRIVERS).map(async (d) => ({ d, found: (await d.leftovers?.find(outDir)) ?? [] })));
    if (await fs.pathExists(path.join(outDir, 'Vagrantfile'))) {
      options.log('destroying the machines (vagrant destroy -f)');
      await runStreamed('vagrant', ['destroy', '-f'], {
        cwd: outDir,
        logFile: logFile(outDir, 'destroy'),
        signal: options.signal,
        ...folder.track('vagrant destroy', 'vagrant destroy -f'),
        onLine: (line) => {
          if (/^==> /.test(line)) options.log(line);
        },
      });
    }
    // Vagrant destroys only what today's Vagrantfile names; a machine of a node since taken out of
    // the spec keeps its record, and is removed here with its provider's tool.
    for (const machine of await recordedMachines(outDir)) {
      try {
        if (await removeRecordedMachine(outDir, machine))
          removedLeftovers.push(`machine ${machine.node} (${machine.provider} ${machine.id.slice(0, 12)}), not in today's Vagrantfile`);
      } catch (error) {
        options.log(`warning: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (const { d, found } of leftovers) if (found.length > 0) removedLeftovers.push(...((await d.leftovers?.remove(found)) ?? []));
  }
  const removedFiles: string[] = [];
  for (const rel of [LAB_FILES.vagrantDir, LAB_FILES.stateDir, LAB_FILES.kubeconfig, LAB_FILES.rkeState]) {
    const target = path.join(outDir, rel);
    if (rel === LAB_FILES.stateDir) {
      // All but the lab lock, which goes (with the folder) when destroy releases it.
      const entries = (await fs.readdir(target).catch(() => [])).filter((name) => name !== path.basename(LAB_FILES.labLock));
      for (const name of entries) await fs.remove(path.join(target, name));
      if (entries.length > 0) removedFiles.push(rel);
    } else if (await fs.pathExists(target)) {
      await fs.remove(target);
      removedFiles.push(rel);
    }
  }
  return { removedFiles, removedLeftovers };
}
