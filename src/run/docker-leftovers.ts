import fs from 'fs-extra';
import path from 'node:path';
import { LAB_FILES } from '../lab-files.js';
import { capture } from './exec.js';

/**
 * Docker networks the lab's containers are attached to, read before `vagrant destroy` removes the
 * containers: Vagrant's docker provider creates one network per private subnet and may leave it.
 */
export async function labDockerNetworks(outDir: string): Promise<string[]> {
  const machinesDir = path.join(outDir, LAB_FILES.vagrantDir, 'machines');
  if (!(await fs.pathExists(machinesDir))) return [];
  const networks = new Set<string>();
  for (const machine of await fs.readdir(machinesDir)) {
    const idFile = path.join(machinesDir, machine, 'docker', 'id');
    if (!(await fs.pathExists(idFile))) continue;
    const id = (await fs.readFile(idFile, 'utf8')).trim();
    const result = await capture('docker', ['inspect', '--format', '{{json .NetworkSettings.Networks}}', id]);
    if (!result.ok) continue;
    for (const name of Object.keys(JSON.parse(result.stdout) as Record<string, unknown>)) {
      if (!['bridge', 'host', 'none'].includes(name)) networks.add(name);
    }
  }
  return [...networks].sort();
}

/** Removes the given networks that no container uses any more; returns the ones removed. */
export async function removeUnusedNetworks(names: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const name of names) {
    const inUse = await capture('docker', ['network', 'inspect', '--format', '{{len .Containers}}', name]);
    if (!inUse.ok || inUse.stdout.trim() !== '0') continue;
    if ((await capture('docker', ['network', 'rm', name])).ok) removed.push(name);
  }
  return removed;
}
