import fs from 'node:fs';
import { cacheDir } from '../../src/cache.js';
import { kitCacheLayout } from '../../src/kit/cache.js';
import { withLock } from '../../src/lab/lock-file.js';

/** Whether a kit was built on this machine: a tarball in the kit cache (one of older sources still says the machine is warm). */
export function kitBuilt(): boolean {
  const { tarballs } = kitCacheLayout(cacheDir());
  return fs.existsSync(tarballs) && fs.readdirSync(tarballs).some((f) => f.endsWith('.tar.gz'));
}

/**
 * Waits while a kit build holds the kit cache (the shared cluster's, on a machine without the kit):
 * the build is what the rest of the suite waits on, and work beside it on two CPUs makes it slower
 * (33 minutes beside the VMs under emulation, about 20 alone). Returns the seconds waited.
 */
export async function afterAnyKitBuild(log: (line: string) => void): Promise<number> {
  const started = Date.now();
  await withLock(kitCacheLayout(cacheDir()).lock, async () => undefined, {
    waitMs: 90 * 60_000,
    what: 'the kit cache',
    onWait: (pid) => log(`a kit build (process ${pid}) is running: waiting for it to end before starting the VMs`),
  });
  return (Date.now() - started) / 1000;
}
