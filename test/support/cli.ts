import type { RunOptions } from '../../src/exec/run.js';
import { cliPath } from './paths.js';
import { run, type RunResult } from './tools.js';

/** `kubelab ARGS` as a user runs it: the built CLI in its own process, in `cwd`. */
export async function kubelab(cwd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [cliPath, ...args], { cwd, env: { NO_COLOR: '1', FORCE_COLOR: '0' }, ...options });
}
