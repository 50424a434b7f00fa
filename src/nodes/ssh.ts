import fs from 'fs-extra';
import path from 'node:path';
import { run, runOrFail, runStreamed, TIMEOUTS, watchLines, type StreamOptions } from '../exec/run.js';
import { NODE_PATHS } from '../node-paths.js';
import { shellQuote } from '../quote.js';

export interface SshTarget {
  user: string;
  host: string;
  port: number;
  /** Absolute path of the private key. */
  key: string;
}

export interface ScriptResult {
  /** -1 when ssh was killed (timeout). */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * ssh with the node's user and key, straight to its address (no `vagrant ssh`): fast, never asks
 * anything, never records host keys (machines are made and unmade all the time).
 */
export function sshArgs(target: SshTarget, connectTimeoutSeconds: number): string[] {
  return [
    '-i',
    target.key,
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `ConnectTimeout=${connectTimeoutSeconds}`,
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ServerAliveInterval=5',
    '-o',
    'ServerAliveCountMax=3',
    '-p',
    String(target.port),
    `${target.user}@${target.host}`,
  ];
}

export interface ScriptOptions {
  timeoutMs?: number;
  connectTimeoutSeconds?: number;
}

/** Runs a bash script as root on the node (`sudo -n bash -s`, the script on stdin; sudo never asks for a password). */
export async function runAsRoot(target: SshTarget, script: string, options: ScriptOptions = {}): Promise<ScriptResult> {
  const result = await run('ssh', [...sshArgs(target, options.connectTimeoutSeconds ?? 8), 'sudo', '-n', 'bash', '-s'], {
    input: script,
    timeoutMs: options.timeoutMs ?? TIMEOUTS.nodeScript,
    purpose: 'reach the nodes',
  });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs a bash script as root that reports line by line for as long as it lives (a watch): each
 * line goes to `onLine` as it comes; resolves with the exit code when the script ends, the node
 * goes away, or `signal` stops it.
 */
export function streamAsRoot(
  target: SshTarget,
  script: string,
  options: { signal: AbortSignal; onLine: (line: string) => void; connectTimeoutSeconds?: number },
): Promise<number | undefined> {
  return watchLines('ssh', [...sshArgs(target, options.connectTimeoutSeconds ?? 8), 'sudo', '-n', 'bash', '-s'], {
    input: script,
    signal: options.signal,
    onLine: options.onLine,
    purpose: 'reach the nodes',
  });
}

/** ssh's own failures (cannot connect, refused key) exit 255; a script's never do. */
export function unreachable(result: ScriptResult): boolean {
  return result.code === 255 || result.code === -1;
}

/** Whether ssh gets a shell on the node within `connectTimeoutSeconds` (a frozen node accepts, then never answers). */
export async function answers(target: SshTarget, connectTimeoutSeconds: number): Promise<boolean> {
  const result = await run('ssh', [...sshArgs(target, connectTimeoutSeconds), 'true'], { timeoutMs: TIMEOUTS.sshProbe, purpose: 'reach the nodes' });
  return result.exitCode === 0;
}

/** Waits until the node answers over ssh (after a start or resume), up to `timeoutMs`. */
export async function waitForSsh(target: SshTarget, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answers(target, 5)) return true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return false;
}

/**
 * Runs a script file of the output folder as root on the node, as Vagrant's shell provisioner
 * does: uploaded first, then run from the file with stdin closed (a script on stdin would be eaten
 * by the first apt or dpkg that reads it). One at a time per node: without a terminal, an
 * interrupted kubelab leaves the remote script running, and the next run waits for it. Output goes
 * to the log and `onLine`; a failure is a CommandFailedError naming the log.
 */
export async function runScriptFile(
  target: SshTarget,
  outDir: string,
  scriptPath: string,
  args: readonly string[],
  options: Omit<StreamOptions, 'cwd'>,
): Promise<void> {
  const content = await fs.readFile(path.join(outDir, scriptPath), 'utf8');
  const remote = `${NODE_PATHS.scripts}/${path.posix.basename(scriptPath)}`;
  // Written aside and renamed: a cut connection never leaves half a script to run.
  const dir = shellQuote(NODE_PATHS.scripts);
  const file = shellQuote(remote);
  const part = shellQuote(`${remote}.part`);
  const upload = `umask 077 && mkdir -p ${dir} && cat > ${part} && mv ${part} ${file}`;
  await runOrFail('ssh', [...sshArgs(target, 8), 'sudo', '-n', 'sh', '-c', shellQuote(upload)], {
    input: content,
    timeoutMs: TIMEOUTS.nodeScript,
    purpose: 'reach the nodes',
    what: `copy ${scriptPath} to ${target.host}`,
    hint: 'check that the node answers over ssh and has room in /var/lib',
  });
  await runStreamed(
    'ssh',
    [...sshArgs(target, 8), 'sudo', '-n', 'flock', shellQuote(NODE_PATHS.scriptLock), 'bash', file, ...args.map(shellQuote), '</dev/null'],
    {
      ...options,
      cwd: outDir,
    },
  );
}
