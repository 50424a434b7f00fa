import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';

/** Whether a process with this pid exists (EPERM: it exists, but is someone else's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const pid = Number(text.trim().split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Runs `work` holding an exclusive lock file (made atomically, holding the owner's pid). A lock
 * whose owner is gone is stale and taken over; a live owner is waited for, up to `waitMs`.
 */
export async function withLock<T>(file: string, work: () => Promise<T>, options: { waitMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.waitMs ?? 5 * 60_000);
  await fs.mkdirp(path.dirname(file));
  // The lock is made whole under a private name, then linked into place: link fails when the lock
  // exists, and a waiter never sees a lock without its owner's pid.
  const mine = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await fs.writeFile(mine, `${process.pid}\n${new Date().toISOString()}\n`, { mode: 0o600 });
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.promises.link(mine, file);
      await fs.remove(mine);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        await fs.remove(mine);
        throw error;
      }
    }
    const owner = await readOwner(file);
    if (owner === undefined || !processAlive(owner)) {
      // Stale: remove it only if it is still the same stale lock (another waiter may have won).
      if ((await readOwner(file)) === owner) await fs.remove(file);
      continue;
    }
    if (Date.now() > deadline) {
      await fs.remove(mine);
      throw new KubelabError(`${options.what ?? file} is locked by process ${owner}, which is still running`, {
        hint: `wait for that kubelab command to finish (or end it), then try again; remove ${file} only if no such process runs`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** Math.min(attempt, 4), 500)));
  }
  try {
    return await work();
  } finally {
    if ((await readOwner(file)) === process.pid) await fs.remove(file);
  }
}
