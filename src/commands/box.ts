import os from 'node:os';
import path from 'node:path';
import { boxesDir } from '../paths.js';
import { runStreamed } from '../exec/run.js';
import type { BoxProvider } from '../vocabulary.js';

export interface BoxBuildOptions {
  provider: BoxProvider;
  force: boolean;
  /** The docker image or Vagrant box to build; build.sh's default when undefined. */
  name: string | undefined;
  onLine: (line: string) => void;
  signal: AbortSignal;
}

/** Builds a provider's box with boxes/<provider>/build.sh; returns its log file. */
export async function buildBox(options: BoxBuildOptions): Promise<string> {
  const logFile = path.join(os.tmpdir(), `kubelab-box-build-${options.provider}.log`);
  const script = path.join(boxesDir, options.provider, 'build.sh');
  const args = [script, ...(options.force ? ['--force'] : []), ...(options.name ? [options.name] : [])];
  await runStreamed('bash', args, { cwd: process.cwd(), logFile, signal: options.signal, onLine: options.onLine });
  return logFile;
}
