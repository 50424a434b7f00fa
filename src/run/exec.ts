import { execa, type ResultPromise } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { EXIT } from '../exit-codes.js';
import { KubelabError } from '../errors.js';

export interface StreamOptions {
  cwd: string;
  /** Every line of stdout and stderr is appended here, prefixed with the stream it came from. */
  logFile: string;
  /** Called with each output line, for progress views. */
  onLine?: (line: string) => void;
  env?: Record<string, string>;
  /** Aborting sends the child one SIGINT, as a terminal's Ctrl-C would, and lets it clean up. */
  signal?: AbortSignal;
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
      exitCode: EXIT.interrupted,
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
  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  const command = [file, ...args].join(' ');
  log.write(`$ ${command}\n`);
  const tail: string[] = [];
  const child: ResultPromise = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdin: 'ignore',
    reject: false,
    buffer: false,
    stripFinalNewline: false,
  });
  const onAbort = (): void => void child.kill('SIGINT');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const consume = async (stream: NodeJS.ReadableStream | null, name: string): Promise<void> => {
    if (!stream) return;
    let pending = '';
    for await (const chunk of stream) {
      pending += chunk.toString();
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line, name);
    }
    if (pending !== '') emit(pending, name);
  };
  const emit = (line: string, stream: string): void => {
    log.write(`${stream === 'stderr' ? '! ' : '  '}${line}\n`);
    tail.push(line);
    if (tail.length > 15) tail.shift();
    options.onLine?.(line);
  };
  try {
    const [result] = await Promise.all([child, consume(child.stdout, 'stdout'), consume(child.stderr, 'stderr')]);
    log.write(`# exit ${result.exitCode ?? result.signal ?? '?'}\n`);
    if (options.signal?.aborted) throw new InterruptedError(`running ${command}`);
    if (result.failed) throw new CommandFailedError(command, result.exitCode, options.logFile, tail);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await new Promise<void>((resolve) => log.end(resolve));
  }
}

/** Runs a short command and returns its stdout; for queries, not for long work. */
export async function capture(file: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const result = await execa(file, args, { cwd: options.cwd, reject: false, timeout: options.timeoutMs ?? 60_000, stdin: 'ignore' });
  return { ok: !result.failed, stdout: String(result.stdout), stderr: String(result.stderr) };
}
