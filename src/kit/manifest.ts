import fs from 'fs-extra';
import path from 'node:path';
import { readJsonCache } from '../input/json.js';
import { array, object, string, type Shape } from '../input/shape.js';
import { kitCacheLayout } from './cache.js';

/** What a finished kit build left in the cache, for `apply`, `status` and `kubectl` to find. */
export interface KitManifest {
  kubernetesVersion: string;
  key: string;
  rke: string;
  kubectl: string;
  /** The tarball in the cache; the images folder holds a link or copy of it. */
  tarball: string;
  images: string[];
}

function manifestFile(cacheRoot: string, kubernetesVersion: string): string {
  return path.join(kitCacheLayout(cacheRoot).built, `${kubernetesVersion}.json`);
}

export async function writeKitManifest(cacheRoot: string, manifest: KitManifest): Promise<void> {
  const file = manifestFile(cacheRoot, manifest.kubernetesVersion);
  await fs.mkdirp(path.dirname(file));
  await fs.writeFile(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await fs.rename(`${file}.tmp`, file);
}

const MANIFEST: Shape<KitManifest> = object({ kubernetesVersion: string, key: string, rke: string, kubectl: string, tarball: string, images: array(string) });

/** The kit built for this version, when its programs are still where the build left them. */
export async function readKitManifest(cacheRoot: string, kubernetesVersion: string): Promise<KitManifest | undefined> {
  // A damaged manifest is a kit not built: `kubelab kit build` writes it again.
  const manifest = await readJsonCache(manifestFile(cacheRoot, kubernetesVersion), { maxBytes: 64 * 1024, shape: MANIFEST });
  if (!manifest || !(await fs.pathExists(manifest.rke)) || !(await fs.pathExists(manifest.kubectl))) return undefined;
  return manifest;
}
