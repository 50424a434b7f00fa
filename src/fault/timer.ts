import { fileURLToPath } from 'node:url';
import { logFile } from '../lab/files.js';
import { run, startDetached, TIMEOUTS } from '../exec/run.js';
import { processAlive } from '../exec/processes.js';
import type { FaultRecord } from './types.js';

const cliPath = fileURLToPath(new URL('../cli.js', import.meta.url));

/** The command line of a fault's timer: `kubelab fault undo ID --at TIME --out DIR`. */
export function timerArgs(outDir: string, fault: Pick<FaultRecord, 'id' | 'expiresAt'>): string[] {
  return [cliPath, 'fault', 'undo', fault.id, '--at', fault.expiresAt ?? '', '--out', outDir];
}

/**
 * Starts the detached process that undoes `fault` at its expiresAt; returns its pid. It outlives
 * this kubelab and the terminal; should it die, the next `kubelab fault …` undoes the fault anyway.
 */
export async function startTimer(outDir: string, fault: FaultRecord): Promise<number | undefined> {
  return startDetached(process.execPath, timerArgs(outDir, fault), { cwd: outDir, logFile: logFile(outDir, `fault-timer-${fault.id}`) });
}

/** Ends a fault's timer, if it still runs and is still that timer (pids get reused). */
export async function stopTimer(fault: FaultRecord): Promise<void> {
  const pid = fault.timerPid;
  if (pid === undefined || pid === process.pid || !processAlive(pid)) return;
  const ps = await run('ps', ['-o', 'args=', '-p', String(pid)], { timeoutMs: TIMEOUTS.probe, purpose: "tell a fault's timer from another process" });
  if (!ps.stdout.includes(`fault undo ${fault.id} --at`)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // gone meanwhile
  }
}

/** Sleeps until `at` (the timer's wait), in steps short enough for any clock change. */
export async function sleepUntil(at: Date): Promise<void> {
  for (let left = at.getTime() - Date.now(); left > 0; left = at.getTime() - Date.now()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, 60_000)));
  }
}
