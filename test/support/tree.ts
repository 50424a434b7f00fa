import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'fs-extra';
import path from 'node:path';

/** Every file under `dir` (hidden ones included) by its path relative to `dir`, in POSIX form, sorted. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const rel of await listFiles(dir)) files.set(rel, await fs.readFile(path.join(dir, ...rel.split('/'))));
  return files;
}

export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else out.push(child);
    }
  };
  await walk('');
  return out.sort();
}

/**
 * What a folder holds, down to each entry's inode and modification time: two equal snapshots mean
 * nothing was written, renamed into place, added or removed in between, not even the same bytes again.
 */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const full = path.join(dir, child);
      const stat = await fs.lstat(full);
      const mode = (stat.mode & 0o777).toString(8);
      if (entry.isDirectory()) {
        out[`${child}/`] = `dir ${mode}`;
        await walk(child);
      } else {
        const hash = createHash('sha256')
          .update(await fs.readFile(full))
          .digest('hex');
        out[child] = `file ${mode} ${hash} ino=${stat.ino} mtime=${stat.mtimeMs}`;
      }
    }
  };
  await walk('');
  return out;
}

export async function isExecutable(file: string): Promise<boolean> {
  return ((await fs.stat(file)).mode & 0o100) !== 0;
}

/** Rewrites a text file through `edit`, which must change it: an edit that misses fails the test. */
export async function editFile(file: string, edit: (text: string) => string): Promise<void> {
  const before = await fs.readFile(file, 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, `the edit changes ${file}`);
  await fs.writeFile(file, after);
}
