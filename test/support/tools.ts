import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { run as runProgram, type RunOptions } from '../../src/exec/run.js';

/** CI installs every tool the tests use, so there a missing one is a failure, never a skip. */
export const inCI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/**
 * True when `name` is on PATH. Otherwise the test is skipped with the reason, or, in CI, fails:
 * `if (!requireTool(t, 'ruby')) return;`
 */
export function requireTool(t: TestContext, name: string, purpose: string): boolean {
  if (onPath(name)) return true;
  if (inCI) assert.fail(`${name} is not on PATH, but CI must run this test (${purpose}); install it in .ci/`);
  t.skip(`${name} is not installed, needed to ${purpose}; CI installs it`);
  return false;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (two minutes at most unless told) without throwing on a non-zero exit. */
export async function run(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await runProgram(file, args, { timeoutMs: 120_000, ...options });
  if (result.exitCode === undefined) throw new Error(`${file} ${args.join(' ')} did not finish${result.timedOut ? ' in time' : ''}:\n${result.all}`);
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a program that must succeed; fails the test with its output when it does not. */
export async function mustRun(file: string, args: string[], options: RunOptions = {}): Promise<string> {
  const result = await runProgram(file, args, { timeoutMs: 0, ...options });
  assert.ok(result.ok, `${file} ${args.join(' ')} failed (exit ${String(result.exitCode)}):\n${result.all}`);
  return result.stdout;
}
