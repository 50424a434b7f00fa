import fs from 'fs-extra';
import path from 'node:path';
import { cacheDir } from '../cache.js';
import { serviceNamed, type ServiceName } from './services/index.js';

/**
 * All that the named service keeps, for any lab, in kubelab's cache: shared by every lab on this
 * host and kept by `destroy`, so that a new lab starts warm. `kubelab services prune` empties it.
 */
export function storeDir(name: ServiceName, env: NodeJS.ProcessEnv = process.env): string {
  return serviceNamed(name).store(cacheDir(env), undefined);
}

/** Bytes under `dir` (0 when it does not exist); symlinks are not followed. */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    const entries = await fs.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) total += (await fs.stat(full)).size;
    }
  };
  await walk(dir);
  return total;
}
