import { createHash } from 'node:crypto';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { readBounded } from './input/read.js';

/**
 * kubelab's cache: build outputs that must survive a fresh clone (Go's module and build caches,
 * the kit's binaries and image tarballs, formatted output) and never enter the repository.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBELAB_CACHE_DIR) return path.resolve(env.KUBELAB_CACHE_DIR);
  return path.join(env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache'), 'kubelab');
}

/** A short content key: equal inputs, equal key, whichever machine computes it. */
export function hashOf(parts: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    // The length prefix keeps ["ab", "c"] and ["a", "bc"] apart.
    const bytes = typeof part === 'string' ? Buffer.from(part) : part;
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  }
  return hash.digest('hex').slice(0, 16);
}

/** A file of a kit source or script; the whole folder is hashed in memory. */
const MAX_HASHED_BYTES = 512 * 1024 * 1024;

/** Hash of a file's bytes, or of a folder's paths, modes and bytes (a `.git` folder excluded). */
export async function hashPath(p: string): Promise<string> {
  const stat = await fs.stat(p);
  // Not a folder: a file, or refused (a FIFO or /dev/zero would be read for ever).
  if (!stat.isDirectory()) return hashOf([await readBounded(p, MAX_HASHED_BYTES)]);
  const parts: (string | Buffer)[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const full = path.join(dir, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        parts.push(`d ${relPath}`);
        await walk(full, relPath);
      } else if (entry.isSymbolicLink()) {
        parts.push(`l ${relPath} ${await fs.readlink(full)}`);
      } else if (entry.isFile()) {
        const mode = (await fs.stat(full)).mode & 0o111 ? 'x' : '-';
        parts.push(`f ${relPath} ${mode}`, await readBounded(full, MAX_HASHED_BYTES));
      }
    }
  };
  await walk(p, '');
  return hashOf(parts);
}

/**
 * Fills `target` through a temporary sibling and a rename, so that an interrupted or failed fill
 * never leaves a half-made `target` behind for the next run to mistake for a finished one.
 */
export async function fillAtomically(target: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}`;
  await fs.remove(tmp);
  try {
    await fill(tmp);
    await fs.remove(target);
    await fs.rename(tmp, target);
  } finally {
    await fs.remove(tmp);
  }
}
