import path from 'node:path';

/** The folders of the kit inside the cache. */
export function kitCacheLayout(root: string) {
  return {
    goModCache: path.join(root, 'go', 'mod'),
    goBuildCache: path.join(root, 'go', 'build'),
    binaries: path.join(root, 'kit', 'bin'),
    sources: path.join(root, 'kit', 'src'),
    tarballs: path.join(root, 'kit', 'tarballs'),
    built: path.join(root, 'kit', 'built'),
    work: path.join(root, 'kit', 'work'),
    logs: path.join(root, 'kit', 'logs'),
    /** Held by the build that fills the cache: a second build (another lab's, another terminal's) waits for it. */
    lock: path.join(root, 'kit', 'build.lock'),
  };
}

export type KitCacheLayout = ReturnType<typeof kitCacheLayout>;
