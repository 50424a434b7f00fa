import { execa } from 'execa';
import path from 'node:path';
import { FaultActionError } from './errors.js';
import type { LabSnapshot, NodeRef } from './types.js';

/** A script exits with this code, after a `KUBELAB-ERROR: …` line, when it refused and changed nothing. */
export const REFUSED_EXIT = 3;

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SshTarget {
  user: string;
  ip: string;
  key: string;
}

export function sshTarget(outDir: string, lab: LabSnapshot, node: NodeRef): SshTarget {
  return { user: lab.sshUser, ip: node.ip, key: path.resolve(outDir, lab.sshKey) };
}

/**
 * ssh with the lab's own key over the private network: fast (no `vagrant ssh`), never asks
 * anything, never records host keys (machines are made and unmade all the time).
 */
export function sshArgs(target: SshTarget, connectTimeoutSeconds: number): string[] {
  return [
    '-i', target.key,
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', `ConnectTimeout=${connectTimeoutSeconds}`,
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR',
    '-o', 'ServerAliveInterval=5',
    '-o', 'ServerAliveCountMax=3',
    `${target.user}@${target.ip}`,
  ];
}

/** Runs a bash script as root on the node (`sudo bash -s`, the script on stdin). */
export async function runScript(target: SshTarget, script: string, options: { timeoutMs?: number; connectTimeoutSeconds?: number } = {}): Promise<ScriptResult> {
  const result = await execa('ssh', [...sshArgs(target, options.connectTimeoutSeconds ?? 8), 'sudo', 'bash', '-s'], {
    input: script,
    reject: false,
    timeout: options.timeoutMs ?? 120_000,
  });
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new FaultActionError('ssh is not installed on this machine', 'install the OpenSSH client (Debian: apt-get install openssh-client)');
  }
  return { code: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** What a script said about its refusal (`KUBELAB-ERROR:` and `KUBELAB-HINT:` lines), if it did. */
export function refusal(result: ScriptResult): { message: string; hint: string | undefined } | undefined {
  if (result.code !== REFUSED_EXIT) return undefined;
  const message = /^KUBELAB-ERROR: (.*)$/m.exec(result.stderr)?.[1];
  if (!message) return undefined;
  return { message, hint: /^KUBELAB-HINT: (.*)$/m.exec(result.stderr)?.[1] };
}

/** ssh's own failures (cannot connect, refused key) exit 255; a script's never do. */
export function unreachable(result: ScriptResult): boolean {
  return result.code === 255 || result.code === -1;
}

/** Waits until the node answers over ssh (after a start or resume), up to `timeoutMs`. */
export async function waitForSsh(target: SshTarget, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await execa('ssh', [...sshArgs(target, 5), 'true'], { reject: false, timeout: 15_000, stdin: 'ignore' });
    if (result.exitCode === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return false;
}
