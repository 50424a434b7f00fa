import os from 'node:os';
import path from 'node:path';
import { boxesDir } from '../paths.js';
import { runStreamed } from '../run/exec.js';

export interface BoxBuildOptions {
  force: boolean;
  /** The image to build; build.sh's default when undefined. */
  image: string | undefined;
  onLine: (line: string) => void;
  signal: AbortSignal;
}

/** Builds the docker provider's box image with boxes/docker/build.sh; returns its log file. */
export async function buildBox(options: BoxBuildOptions): Promise<string> {
  const logFile = path.join(os.tmpdir(), 'kubelab-box-build.log');
  const args = [path.join(boxesDir, 'docker', 'build.sh'), ...(options.force ? ['--force'] : []), ...(options.image ? [options.image] : [])];
  await runStreamed('bash', args, { cwd: process.cwd(), logFile, signal: options.signal, onLine: options.onLine });
  return logFile;
}
