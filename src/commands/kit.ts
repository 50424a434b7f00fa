import path from 'node:path';
import { buildKit, type KitBuildResult } from '../kit/build.js';
import { cacheDir } from '../cache.js';
import { compileSpec } from '../spec/index.js';

export interface KitOptions {
  spec: string;
  out: string;
  /** Folder with the third-party sources; $KUBELAB_KIT_SOURCES, else the cache's, when undefined. */
  sources: string | undefined;
  /** The spec's kubernetesVersion when undefined. */
  kubernetesVersion: string | undefined;
  /** The spec's images.dir when undefined. */
  imagesDir: string | undefined;
  log: (line: string) => void;
  signal: AbortSignal;
}

/** Where the third-party sources are looked for when none are named. */
function defaultSourcesDir(): string {
  return process.env.KUBELAB_KIT_SOURCES ? path.resolve(process.env.KUBELAB_KIT_SOURCES) : path.join(cacheDir(), 'sources');
}

/** Builds the kit for the spec's Kubernetes version (or the one given); reads the spec only when needed. */
export async function kitBuild(options: KitOptions): Promise<KitBuildResult & { kubernetesVersion: string }> {
  let kubernetesVersion = options.kubernetesVersion;
  let imagesDir = options.imagesDir === undefined ? undefined : path.resolve(options.imagesDir);
  if (kubernetesVersion === undefined || imagesDir === undefined) {
    const { model } = await compileSpec(options.spec, options.out);
    kubernetesVersion ??= model.kubernetesVersion;
    imagesDir ??= path.resolve(options.out, model.images.hostDir ?? '../.images');
  }
  const result = await buildKit({
    kubernetesVersion,
    sourcesDir: options.sources === undefined ? defaultSourcesDir() : path.resolve(options.sources),
    imagesDir,
    cacheRoot: cacheDir(),
    log: options.log,
    signal: options.signal,
  });
  return { ...result, kubernetesVersion };
}
