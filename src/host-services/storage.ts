import fs from 'fs-extra';
import path from 'node:path';
import { cacheDir } from '../cache.js';

import type { ServiceName } from '../vocabulary.js';

export type { ServiceName };

/**
 * Where each service keeps what it caches: in kubelab's cache, shared by every lab on this host and
 * kept by `destroy`, so that a new lab starts warm. `kubelab services prune` empties them. A
 * pull-through cache keeps each upstream apart (by its host and port): the same repository name on
 * two upstreams is two images.
 */
export function storeDir(name: ServiceName, env: NodeJS.ProcessEnv = process.env, upstream?: string): string {
  const root = cacheDir(env);
  if (name === 'package-cache') return path.join(root, 'apt-cacher-ng');
  if (name === 'registry') return path.join(root, 'registry', 'local');
  const base = path.join(root, 'registry', 'pull-through');
  return upstream === undefined ? base : path.join(base, new URL(upstream).host.replace(/[^A-Za-z0-9.-]/g, '_'));
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
