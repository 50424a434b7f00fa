import { cacheDir } from '../cache.js';
import { readKitManifest } from './manifest.js';
import { findKubectl, findRke, type Tool } from '../commands/prerequisites.js';
import type { LabModel } from '../model.js';

/**
 * The kubectl to use with a lab: the kit's (it matches the cluster's version) when the lab uses
 * the kit and it was built, else the first kubectl on PATH.
 */
export async function labKubectl(model: LabModel): Promise<Tool | undefined> {
  if (model.images.system === 'kit') {
    const manifest = await readKitManifest(cacheDir(), model.kubernetesVersion);
    if (manifest) return { name: 'kubectl', path: manifest.kubectl, version: model.kubernetesVersion };
  }
  return findKubectl();
}

/** The rke to run: --rke, else the kit's when the lab uses the kit, else the first rke on PATH. */
export async function labRke(model: LabModel, explicit: string | undefined): Promise<Tool | undefined> {
  if (explicit === undefined && model.images.system === 'kit') {
    const manifest = await readKitManifest(cacheDir(), model.kubernetesVersion);
    return manifest ? findRke(manifest.rke) : undefined;
  }
  return findRke(explicit);
}
