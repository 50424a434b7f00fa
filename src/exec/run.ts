import { spawn } from 'node:child_process';
import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { EXIT } from '../exit-codes.js';
import { KubelabError } from '../errors.js';
import { followLines } from './follow-log.js';
import { howToInstall } from './install-hints.js';

/**
 * Every child process kubelab starts goes through this module: one answer to a missing program
 * (ToolMissingError, naming how to install it) and one timeout policy (TIMEOUTS).
 */

/** How long a child may run unless the caller names another limit; 0 means no limit. */
export const TIMEOUTS = {
  /** A question to a local tool (docker inspect, vagrant status): answers in seconds. */
  query: 60_000,
  /** Whether a program is there and works (`X --version`). */
  probe: 20_000,
  /** A script run on a node over ssh. */
  nodeScript: 120_000,
  /** One try of ssh while waiting for a node to answer. */
  sshProbe: 15_000,
  /** A machine's state, as its provider tells it. */
  machineState: 30_000,
  /** A machine-level op: stop, start, pause, … (a start may boot a VM). */
  machineOp: 300_000,
  /** Work that takes as long as it takes (vagrant up, rke up, builds): it is interrupted, never timed out. */
  none: 0,
} as const;

/** A program kubelab needs is not installed (or not on PATH); says how to get it. */
export class ToolMissingError extends KubelabError {
  constructor(
    readonly tool: string,
    purpose?: string,
  ) {
    super(`${tool} is not installed${purpose ? `, and kubelab needs it to ${purpose}` : ''}`, { hint: howToInstall(tool), exitCode: EXIT.prerequisite });
  }
}

/** A program's own lines inside a message, each set off as "  | line". */
export function quoteLines(lines: readonly string[]): string {
  return lines.map((l) => `  | ${l}`).join('\n');
}

export class CommandFailedError extends KubelabError {
  constructor(
    readonly command: string,
    readonly exitCode_: number | undefined,
    readonly logFile: string,
    readonly tail: string[],
  ) {
    super(`\`${command}\` failed${exitCode_ === undefined ? '' : ` with exit code ${exitCode_}`}; last lines:\n` + quoteLines(tail), {
      hint: `the whole output is in ${logFile}`,
    });
  }
}

export class InterruptedError extends KubelabError {
  constructor(what: string) {
    super(`interrupted while ${what}`, {
      hint: 'run `kubelab apply` again to carry on from where it stopped, or `kubelab destroy` to remove the lab',
      exitCode: EXIT.interrupted,
    });
  }
}

/** ENOENT from spawn means the program is missing, unless it was the working folder. */
function missingTool(result: { code?: unknown }, cwd: string | undefined): boolean {
  return result.code === 'ENOENT' && (cwd === undefined || fs.pathExistsSync(cwd));
}

export interface RunOptions {
  cwd?: string;
  /** Added to kubelab's own environment (or the whole environment, with extendEnv: false). */
  env?: Record<string, string>;
  extendEnv?: boolean;
  /** Written to the child's stdin; without it, stdin is closed (or the terminal's, with stdio: 'inherit'). */
  input?: string;
  /** Milliseconds; TIMEOUTS.query unless named; TIMEOUTS.none for no limit. */
  timeoutMs?: number;
  /** 'inherit': the child talks to kubelab's terminal (kubectl); its output is not captured. */
  stdio?: 'pipe' | 'inherit';
  /** What kubelab needs the program for, named when it is missing. */
  purpose?: string;
  /** Keep the output's last newline (by default it is dropped, as a shell's $(…) does). */
  stripFinalNewline?: boolean;
  /** Ends the child (SIGTERM) when aborted: long work that Ctrl-C interrupts. */
  signal?: AbortSignal;
  /** Run as another user (tests that must not be root). */
  uid?: number;
  gid?: number;
}

export interface RunResult {
  /** Undefined when the child was killed (timeout, signal). */
  exitCode: number | undefined;
  ok: boolean;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came. */
  all: string;
}

/**
 * Runs a program to its end and returns what it did; a non-zero exit is a result, not an error.
 * Throws ToolMissingError when the program is not installed.
 */
export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const inherit = options.stdio === 'inherit';
  const result = await execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: options.extendEnv ?? true,
    ...(options.input === undefined ? { stdin: inherit ? 'inherit' : 'ignore' } : { input: options.input }),
    stdout: inherit ? 'inherit' : 'pipe',
    stderr: inherit ? 'inherit' : 'pipe',
    all: !inherit,
    reject: false,
    timeout: options.timeoutMs ?? TIMEOUTS.query,
    stripFinalNewline: options.stripFinalNewline ?? true,
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  if (missingTool(result, options.cwd)) throw new ToolMissingError(file, options.purpose);
  return {
    exitCode: result.exitCode,
    ok: !result.failed,
    timedOut: result.timedOut,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    all: String(result.all ?? ''),
  };
}

/**
 * Runs a program that must succeed, for work whose failure ends the command: a non-zero exit is a
 * KubelabError quoting the program's last lines. Returns its stdout.
 */
export async function runOrFail(file: string, args: readonly string[], options: RunOptions & { what: string; hint?: string }): Promise<string> {
  const result = await run(file, args, options);
  if (result.ok) return result.stdout;
  const why = result.timedOut ? 'timed out' : `failed (exit code ${result.exitCode ?? '?'})`;
  throw new KubelabError(`${options.what}: \`${[file, ...args].join(' ')}\` ${why}\n${quoteLines(result.all.trim().split('\n').slice(-10))}`, {
    ...(options.hint === undefined ? {} : { hint: options.hint }),
  });
}

/**
 * Runs a short command and returns its stdout; for queries, not for long work. A missing program
 * is an answer here (ok: false, missing: true), as it is for the checks that ask.
 */
export async function capture(
  file: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ ok: boolean; stdout: string; stderr: string; missing: boolean }> {
  try {
    const result = await run(file, args, options);
    return { ok: result.ok, stdout: result.stdout, stderr: result.stderr, missing: false };
  } catch (error) {
    if (error instanceof ToolMissingError) return { ok: false, stdout: '', stderr: error.message, missing: true };
    throw error;
  }
}

/**
 * Starts a program that outlives kubelab (in its own session, output appended to `logFile`) and
 * returns its pid; nothing waits for it.
 */
export async function startDetached(
  file: string,
  args: readonly string[],
  options: { cwd: string; logFile: string; env?: Record<string, string> },
): Promise<number | undefined> {
  await fs.mkdirp(path.dirname(options.logFile));
  const fd = fs.openSync(options.logFile, 'a');
  try {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], cwd: options.cwd, env: { ...process.env, ...options.env } });
    const started = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (!started) throw new ToolMissingError(file);
    child.unref();
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

export interface StreamOptions {
  cwd: string;
  /** The child writes its stdout and stderr here itself (appended, interleaved as they come). */
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

/**
 * Runs a program with its output streamed to a log file and to a line callback. The child gets its
 * own process group, so a terminal's Ctrl-C reaches kubelab only: kubelab then forwards exactly one
 * SIGINT (Vagrant treats a second one as "quit now, skip the cleanup"). No timeout: long work is
 * interrupted, never cut off.
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
    if (missingTool(result, options.cwd)) throw new ToolMissingError(file);
    if (result.failed) throw new CommandFailedError(command, result.exitCode, options.logFile, tail);
  } finally {
    follow.stop();
    options.signal?.removeEventListener('abort', onAbort);
    if (child.pid !== undefined) options.onExit?.(child.pid);
  }
}

/**
 * Runs a program that reports line by line for as long as it lives (a watch over ssh): each line
 * of stdout goes to `onLine` as it comes; resolves with the exit code when the program ends or
 * `signal` stops it. Never throws for a failing program; a missing one is ToolMissingError.
 */
export async function watchLines(
  file: string,
  args: readonly string[],
  options: { input?: string; signal: AbortSignal; onLine: (line: string) => void; purpose?: string },
): Promise<number | undefined> {
  const child = execa(file, args, {
    ...(options.input === undefined ? { stdin: 'ignore' } : { input: options.input }),
    stdout: 'pipe',
    stderr: 'ignore',
    reject: false,
    cancelSignal: options.signal,
    forceKillAfterDelay: 2_000,
  });
  child.stdout.setEncoding('utf8');
  let partial = '';
  child.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.onLine(line);
  });
  const result = await child;
  if (missingTool(result, undefined)) throw new ToolMissingError(file, options.purpose);
  return result.exitCode;
}
