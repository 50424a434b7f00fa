import fs from 'fs-extra';
import { EXIT } from '../exit-codes.js';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { LAB_FILES } from './files.js';
import { InterruptedError } from '../exec/run.js';
import { createLockFile, readLockFile, releaseLockFile, removeStaleLock, rewriteLockFile } from './lock-file.js';
import { currentProcess, groupAlive, pause, processAlive, refOf, signalGroup, stillRunning, type ProcessRef } from '../exec/processes.js';

/**
 * One lock per lab, held by the command that changes it (apply, destroy, generate, fault …), with
 * the children that command started. kubelab can die without a word (SIGKILL, a lost terminal)
 * while its `vagrant up`s go on in their own process groups; the next command learns from the lock
 * that they still run, instead of failing on Vagrant's own machine locks one machine at a time.
 */
export interface LabLockChild extends ProcessRef {
  /** What the child does for the lab: "vagrant up for node cp". */
  what: string;
  command: string;
  startedAt: string;
}

export interface LabLockRecord extends ProcessRef {
  version: 1;
  /** The kubelab command: "apply", "destroy", "fault undo". */
  command: string;
  startedAt: string;
  children: LabLockChild[];
}

/** What to do when another command holds the lab: refuse, wait for it, or stop it and go on. */
export type BusyPolicy = 'fail' | 'wait' | 'stop-previous';

export const LAB_BUSY_EXIT_CODE = EXIT.labBusy;

export class LabBusyError extends KubelabError {
  constructor(
    message: string,
    hint: string,
    readonly holder: LabLockRecord,
  ) {
    super(message, { hint, exitCode: LAB_BUSY_EXIT_CODE });
  }
}

export interface LabLockOptions {
  command: string;
  busy: BusyPolicy;
  note: (line: string) => void;
  /** Aborting ends a wait (as Ctrl-C). */
  signal?: AbortSignal;
  /** --stop-previous: how long the previous run has after its SIGINT before it gets SIGTERM. */
  graceMs?: number;
  /** The command line the hints tell the user to run again with --wait or --stop-previous; none: the command has neither. */
  retry?: string;
  /** Live holders waited for even under 'fail': commands as short as this one (a fault waits for a fault). */
  waitsFor?: (holder: LabLockRecord) => boolean;
}

/** The callbacks runStreamed takes, recording a child in the lock while it runs. */
export interface ChildHooks {
  onSpawn: (pid: number) => void;
  onExit: (pid: number) => void;
}

export interface LabLock {
  track(what: string, command: string): ChildHooks;
}

export const DEFAULT_GRACE_MS = 60_000;
const POLL_MS = 300;

export function labLockPath(outDir: string): string {
  return path.join(outDir, LAB_FILES.labLock);
}

/** Whether a recorded child, or anything left in its process group, still runs. */
export function childRunning(child: ProcessRef): boolean {
  if (stillRunning(child)) return true;
  // Its pid now names another process: the pid was free, so the child's group had ended.
  if (processAlive(child.pid)) return false;
  return groupAlive(child.pid);
}

interface Found {
  record: LabLockRecord;
  holderAlive: boolean;
  liveChildren: LabLockChild[];
}

function inspect(record: LabLockRecord): Found {
  const children = Array.isArray(record.children) ? record.children : [];
  return { record, holderAlive: stillRunning(record), liveChildren: children.filter(childRunning) };
}

function ago(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return 'at an unknown time';
  const seconds = Math.max(0, Math.round((Date.now() - at.getTime()) / 1000));
  const span = seconds < 120 ? `${seconds}s` : seconds < 7200 ? `${Math.round(seconds / 60)}m` : `${Math.round(seconds / 3600)}h`;
  return `at ${at.toTimeString().slice(0, 8)}, ${span} ago`;
}

export function describeHolder(record: LabLockRecord): string {
  return `\`kubelab ${record.command}\` (pid ${record.pid}, started ${ago(record.startedAt)})`;
}

function describeChildren(children: LabLockChild[]): string {
  return children.map((c) => `\n  its ${c.what} (pid ${c.pid}, started ${ago(c.startedAt)}): ${c.command}`).join('');
}

/** The refusal: who holds the lab, what still runs, and what to type instead. */
export function busyError(outDir: string, found: Found, retry: string | undefined): LabBusyError {
  const { record } = found;
  const how = retry
    ? `wait for it with \`${retry} --wait\`, or stop it with \`${retry} --stop-previous\` (SIGINT, as Ctrl-C would, then SIGTERM if it has not stopped after a minute)`
    : 'run this again once it has ended (`kubelab status` shows the lab meanwhile)';
  if (found.holderAlive) {
    return new LabBusyError(`the lab in ${outDir} is being changed by ${describeHolder(record)}, which is still running`, how, record);
  }
  return new LabBusyError(
    `a previous ${describeHolder(record)} is still running: kubelab itself is gone (killed?), but what it started is not:${describeChildren(found.liveChildren)}`,
    how,
    record,
  );
}

async function until(done: () => boolean, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (signal?.aborted || Date.now() > deadline) return done();
    await pause(POLL_MS);
  }
  return true;
}

/**
 * Stops what `found` names the way a person at its terminal would: one SIGINT (Ctrl-C; Vagrant
 * takes a second one as "skip the cleanup"), and SIGTERM only when the grace period is over. A
 * live holder is a kubelab: it forwards its SIGINT to its children and releases the lock itself.
 */
async function stopPrevious(found: Found, interrupted: Set<number>, options: LabLockOptions): Promise<'stopped' | 'exhausted'> {
  const grace = options.graceMs ?? DEFAULT_GRACE_MS;
  const { record } = found;
  if (found.holderAlive) {
    if (interrupted.has(record.pid)) return 'exhausted';
    interrupted.add(record.pid);
    // Its children get their SIGINT from it; they must not get a second one from us.
    for (const child of record.children ?? []) interrupted.add(child.pid);
    options.note(`stopping the previous ${describeHolder(record)}: SIGINT, as Ctrl-C would`);
    process.kill(record.pid, 'SIGINT');
    for (const [signal, wait] of [
      ['SIGTERM', 10_000],
      ['SIGKILL', 5_000],
    ] as const) {
      if (await until(() => !stillRunning(record), signal === 'SIGTERM' ? grace : 10_000, options.signal)) return 'stopped';
      if (options.signal?.aborted) return 'stopped';
      options.note(`it is still running: ${signal}`);
      process.kill(record.pid, signal);
      if (await until(() => !stillRunning(record), wait, options.signal)) return 'stopped';
    }
    return 'exhausted';
  }
  const live = found.liveChildren;
  for (const child of live) {
    if (interrupted.has(child.pid)) continue;
    interrupted.add(child.pid);
    options.note(`stopping the previous run's ${child.what} (process group ${child.pid}): SIGINT, as Ctrl-C would`);
    signalGroup(child.pid, 'SIGINT');
  }
  if (await until(() => !live.some(childRunning), grace, options.signal)) return 'stopped';
  for (const [signal, wait] of [
    ['SIGTERM', 10_000],
    ['SIGKILL', 5_000],
  ] as const) {
    if (options.signal?.aborted) return 'stopped';
    const left = live.filter(childRunning);
    options.note(`still running after ${grace / 1000}s: ${signal} to ${left.map((c) => `its ${c.what} (${c.pid})`).join(', ')}`);
    for (const child of left) signalGroup(child.pid, signal);
    if (await until(() => !live.some(childRunning), wait, options.signal)) return 'stopped';
  }
  return 'exhausted';
}

/**
 * Runs `work` holding the lab's lock. A lock whose holder and children have all ended is stale and
 * taken over (with a note: that run was killed, the lab may be half-changed); otherwise `busy`
 * decides.
 */
export async function withLabLock<T>(outDir: string, options: LabLockOptions, work: (lock: LabLock) => Promise<T>): Promise<T> {
  const file = labLockPath(outDir);
  const record: LabLockRecord = { version: 1, ...currentProcess(), command: options.command, startedAt: new Date().toISOString(), children: [] };
  // The folders the lock made go with it when they are left empty (a bad spec makes no output folder).
  const made = await fs.promises.mkdir(path.dirname(file), { recursive: true });
  let waiting: number | undefined;
  const interrupted = new Set<number>();
  while (!(await createLockFile(file, record))) {
    const content = await readLockFile<LabLockRecord>(file);
    if (content === undefined) continue;
    if (content.pid === undefined) {
      await removeStaleLock(file, content);
      continue;
    }
    const found = inspect(content as LabLockRecord);
    if (!found.holderAlive && found.liveChildren.length === 0) {
      if (interrupted.size > 0) options.note(`the previous ${describeHolder(found.record)} has stopped; going on`);
      else if (typeof found.record.command === 'string')
        options.note(`a previous ${describeHolder(found.record)} ended without releasing the lab (it was killed); taking over`);
      await removeStaleLock(file, content);
      continue;
    }
    if (options.signal?.aborted) throw new InterruptedError(`waiting for the previous ${describeHolder(found.record)}`);
    const busy = options.busy === 'fail' && found.holderAlive && options.waitsFor?.(found.record) ? 'wait' : options.busy;
    if (busy === 'fail') throw busyError(outDir, found, options.retry);
    if (busy === 'stop-previous') {
      if ((await stopPrevious(found, interrupted, options)) === 'exhausted') {
        const left = inspect(found.record);
        throw new KubelabError(`the previous ${describeHolder(found.record)} did not stop${describeChildren(left.liveChildren)}`, {
          hint: 'look at those processes (ps -o pid,args -g PID) and end them by hand, then run this again',
        });
      }
      continue;
    }
    if (waiting !== content.pid) {
      waiting = content.pid;
      options.note(
        `waiting for the previous ${describeHolder(found.record)} to finish${found.holderAlive ? '' : ` (kubelab itself is gone; waiting for${describeChildren(found.liveChildren)})`}`,
      );
    }
    await pause(POLL_MS);
  }
  const children = new Map<number, LabLockChild>();
  const save = (): void => rewriteLockFile(file, { ...record, children: [...children.values()] });
  const lock: LabLock = {
    track: (what, command) => ({
      onSpawn: (pid) => {
        children.set(pid, { ...refOf(pid), what, command, startedAt: new Date().toISOString() });
        save();
      },
      onExit: (pid) => {
        if (children.delete(pid)) save();
      },
    }),
  };
  try {
    return await work(lock);
  } finally {
    await releaseLockFile(file);
    // destroy removes the state folder but this lock: the folder goes with the lock.
    await fs.promises.rmdir(path.dirname(file)).catch(() => undefined);
    if (made !== undefined) {
      for (let dir = path.dirname(path.dirname(file)); dir.length >= made.length && dir.startsWith(made); dir = path.dirname(dir)) {
        if (
          !(await fs.promises.rmdir(dir).then(
            () => true,
            () => false,
          ))
        )
          break;
      }
    }
  }
}
