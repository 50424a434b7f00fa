import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { checkJson } from '../input/json.js';
import { InputFileError, isMissing, readBoundedText } from '../input/read.js';
import { array, integer, object, optional, pid } from '../input/shape.js';
import { currentProcess, pause, stillRunning, type ProcessRef } from '../exec/processes.js';

/**
 * Exclusive lock files, shared by the lab lock and the fault-state lock. A lock file is JSON whose
 * `pid` and `startTicks` name its holder; more fields are the caller's. It is made whole under a
 * private name, then linked into place: link fails when the lock exists, and nobody ever sees a
 * lock without its holder.
 */
export async function createLockFile(file: string, content: object): Promise<boolean> {
  const mine = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  for (let attempt = 0; ; attempt++) {
    try {
      // Inside the try: a release's rmdir of the same folder can make even the mkdir fail (ENOENT,
      // seen in CI), when it removes the folder between the mkdir and its check that it is there.
      await fs.mkdirp(path.dirname(file));
      await fs.writeFile(mine, JSON.stringify(content, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
      break;
    } catch (error) {
      // The folder went meanwhile: a lock's release removes it when it is empty.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 3) throw error;
    }
  }
  try {
    await fs.promises.link(mine, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.remove(mine);
  }
}

/** Replaces a held lock's content in one step (rename), so a reader never sees half of it. */
export function rewriteLockFile(file: string, content: object): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(temp, file);
}

/** A lock is a few hundred bytes; its children are the few programs one command runs at once. */
const MAX_LOCK_BYTES = 64 * 1024;

/**
 * What is relied on in a lock: the processes it names are tested and signalled (a pid of 0 or 1
 * would signal kubelab's own process group, or every process of the user).
 */
const LOCK_SHAPE = object({
  pid,
  startTicks: optional(integer),
  children: optional(array(object({ pid, startTicks: optional(integer) }))),
});

/**
 * The lock's content, or undefined when there is none; a lock of an older kubelab is its pid alone.
 * A lock that cannot be made sense of is held by nobody (and so stale); something that is not a
 * file at all where the lock goes is not kubelab's to remove, and is refused.
 */
export async function readLockFile<T extends ProcessRef>(file: string): Promise<T | { pid: number | undefined } | undefined> {
  let text: string;
  try {
    text = await readBoundedText(file, MAX_LOCK_BYTES, `kubelab did not make it: once no kubelab command runs on this lab, remove ${file} by hand`);
  } catch (error) {
    if (isMissing(error)) return undefined;
    if (error instanceof InputFileError && error.refusal.reason === 'too-large') return { pid: undefined };
    throw error;
  }
  if (text.trimStart().startsWith('{')) {
    const checked = checkJson(text, LOCK_SHAPE);
    return 'value' in checked ? (checked.value as T) : { pid: undefined };
  }
  const first = Number(text.trim().split('\n')[0]);
  return { pid: pid(first, '') === undefined ? first : undefined };
}

/** Removes a stale lock, unless another process replaced it meanwhile (it then is not stale). */
export async function removeStaleLock(file: string, stale: { pid: number | undefined }): Promise<void> {
  const now = await readLockFile(file);
  if (now && now.pid === stale.pid) await fs.remove(file);
}

export async function releaseLockFile(file: string): Promise<void> {
  const now = await readLockFile(file).catch(() => undefined);
  if (now?.pid === process.pid) await fs.remove(file);
}

/**
 * Runs `work` holding an exclusive lock file. A lock whose holder is gone is stale and taken over;
 * a live holder is waited for, up to `waitMs`.
 */
export async function withLock<T>(
  file: string,
  work: () => Promise<T>,
  options: { waitMs?: number; what?: string; onWait?: (holderPid: number) => void } = {},
): Promise<T> {
  const deadline = Date.now() + (options.waitMs ?? 5 * 60_000);
  for (let attempt = 0; !(await createLockFile(file, { ...currentProcess(), startedAt: new Date().toISOString() })); attempt++) {
    const holder = await readLockFile(file);
    if (holder === undefined) continue;
    if (holder.pid === undefined || !stillRunning(holder as ProcessRef)) {
      await removeStaleLock(file, holder);
      continue;
    }
    if (attempt === 0) options.onWait?.(holder.pid);
    if (Date.now() > deadline) {
      throw new KubelabError(`${options.what ?? file} is locked by process ${holder.pid}, which is still running`, {
        hint: `wait for that kubelab command to finish (or end it), then try again; remove ${file} only if no such process runs`,
      });
    }
    await pause(Math.min(50 * 2 ** Math.min(attempt, 4), 500));
  }
  try {
    return await work();
  } finally {
    await releaseLockFile(file);
  }
}
