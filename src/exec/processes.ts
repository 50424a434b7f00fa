import fs from 'node:fs';

/** Whether a process with this pid exists (EPERM: it exists, but is someone else's); -PGID asks for a process group. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When the process started, in clock ticks since boot (field 22 of /proc/PID/stat), or undefined
 * where there is no /proc. With the pid it names one process for good: pids are reused, start
 * times of a reused pid differ.
 */
export function processStartTicks(pid: number): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isInteger(ticks) ? ticks : undefined;
}

/** A process as a lock records it: its pid and, where known, its start time. */
export interface ProcessRef {
  pid: number;
  startTicks?: number;
}

export function currentProcess(): ProcessRef {
  return { pid: process.pid, startTicks: processStartTicks(process.pid) };
}

export function refOf(pid: number): ProcessRef {
  return { pid, startTicks: processStartTicks(pid) };
}

/** Whether the recorded process still runs: its pid is alive and was not handed to another one. */
export function stillRunning(ref: ProcessRef): boolean {
  if (!processAlive(ref.pid)) return false;
  if (ref.startTicks === undefined) return true;
  const now = processStartTicks(ref.pid);
  return now === undefined || now === ref.startTicks;
}

/**
 * Whether a process group still has a member. A child started in its own group leads it (pgid =
 * its pid), and what it started (ruby's docker, ssh) stays in it after the leader is gone. The
 * kernel does not hand out a pid that is still some group's id, so a live group is still ours.
 */
export function groupAlive(pgid: number): boolean {
  return processAlive(-pgid);
}

/** Sends a signal to a process group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
