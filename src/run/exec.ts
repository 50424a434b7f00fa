import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { followLines } from './follow-log.js';

export interface StreamOptions {
  cwd: string;
  /** Every line of stdout and stderr is appended here, prefixed with the stream it came from. */
  logFile: string;
  /** Called with each output line, for progress views. */
  onLine?: (line: string) => void;
  env?: Record<string, string>;
  /** Aborting sends the child one SIGINT, as a terminal's Ctrl-C would, and lets it clean up. */
  signal?: AbortSignal;
  /** Told the child's pid when it starts and when it ends (the lab lock records running children). */
  onSpawn?: (pid: number) => void;
  onExit?: (pid: number) => void;
}

export class CommandFailedError extends KubelabError {
  constructor(
    readonly command: string,
    readonly exitCode_: number | undefined,
    readonly logFile: string,
    readonly tail: string[],
  ) {
    super(`\`${command}\` failed${exitCode_ === undefined ? '' : ` with exit code ${exitCode_}`}; last lines:\n` + tail.map((l) => `  | ${l}`).join('\n'), {
      hint: `the whole output is in ${logFile}`,
    });
  }
}

export class InterruptedError extends KubelabError {
  constructor(what: string) {
    super(`interrupted while ${what}`, {
      hint: 'run `kubelab apply` again to carry on from where it stopped, or `kubelab destroy` to remove the lab',
      exitCode: 130,
    });
  }
}

/**
 * Runs a program with its output streamed to a log file and to a line callback. The child gets its
 * own process group, so a terminal's Ctrl-C reaches kubelab only: kubelab then forwards exactly one
 * SIGINT (Vagrant treats a second one as "quit now, skip the cleanup").
 */
export async function runStreamed(file: string, args: string[], options: StreamOptions): Promise<void> {
  await fs.mkdirp(path.dirname(options.logFile));
  const command = [file, ...args].join(' ');
  await fs.appendFile(options.logFile, `$ ${command}\n`);
  const tail: string[] = [];
  // The child writes into the log itself, not into a pipe to kubelab: should kubelab die, the
  // child goes on (and can be waited for or stopped) instead of dying of a broken pipe mid-way.
  const output = fs.openSync(options.logFile, 'a');
  const follow = followLines(options.logFile, fs.fstatSync(output).size, (line) => {
    tail.push(line);
    if (tail.length > 15) tail.shift();
    options.onLine?.(line);
  });
  // execa hands a bare descriptor number to spawn as it is (its types do not list numbers).
  const toLog = output as unknown as 'inherit';
  let child;
  try {
    child = execa(file, args, { cwd: options.cwd, env: options.env, detached: true, stdin: 'ignore', stdout: toLog, stderr: toLog, reject: false });
  } catch (error) {
    follow.stop();
    throw error;
  } finally {
    fs.closeSync(output);
  }
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  const onAbort = (): void => void child.kill('SIGINT');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await child;
    const { endedMidLine } = follow.stop();
    await fs.appendFile(options.logFile, `${endedMidLine ? '\n' : ''}# exit ${result.exitCode ?? result.signal ?? '?'}\n`);
    if (options.signal?.aborted) throw new InterruptedError(`running ${command}`);
    if (result.failed) throw new CommandFailedError(command, result.exitCode, options.logFile, tail);
  } finally {
    follow.stop();
    options.signal?.removeEventListener('abort', onAbort);
    if (child.pid !== undefined) options.onExit?.(child.pid);
  }
}

/** Runs a short command and returns its stdout; for queries, not for long work. */
export async function capture(file: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const result = await execa(file, args, { cwd: options.cwd, reject: false, timeout: options.timeoutMs ?? 60_000, stdin: 'ignore' });
  return { ok: !result.failed, stdout: String(result.stdout), stderr: String(result.stderr) };
}
