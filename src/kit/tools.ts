import { cacheDir } from '../cache.js';
import { readKitManifest } from './manifest.js';
import path from 'node:path';
import { capture, TIMEOUTS } from '../exec/run.js';
import type { LabModel } from '../model.js';

/** A program kubelab runs, found where it looked. */
export interface Tool {
  name: string;
  path: string;
  version: string | undefined;
}

/** `file --version`-like output: the first version in it. */
async function versionOf(file: string, args: string[]): Promise<string | undefined | null> {
  const result = await capture(file, args, { timeoutMs: TIMEOUTS.probe });
  if (!result.ok) return null;
  return /v?[0-9]+\.[0-9]+\.[0-9]+/.exec(`${result.stdout}\n${result.stderr}`)?.[0];
}

/** Finds RKE: --rke wins, then `rke` on PATH. Undefined when there is none. */
export async function findRke(explicit: string | undefined): Promise<Tool | undefined> {
  const file = explicit ? path.resolve(explicit) : 'rke';
  const version = await versionOf(file, ['--version']);
  return version === null ? undefined : { name: 'rke', path: file, version };
}

export async function findKubectl(): Promise<Tool | undefined> {
  const version = await versionOf('kubectl', ['version', '--client', '--output=yaml']);
  return version === null ? undefined : { name: 'kubectl', path: 'kubectl', version };
}

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
