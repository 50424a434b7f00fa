import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError, PrerequisiteError } from '../errors.js';
import { kitDir } from '../paths.js';
import { capture, run, runStreamed, TIMEOUTS } from '../exec/run.js';
import { howToInstall } from '../exec/install-hints.js';
import { fillAtomically, hashOf, hashPath } from '../cache.js';
import { kitCacheLayout, type KitCacheLayout } from './cache.js';
import { KIT_KUBERNETES_VERSIONS, kitTarballName } from './components.js';
import { writeKitManifest, type KitManifest } from './manifest.js';
import { BINARY_STEPS, SOURCE_ENV, binaryVersions, imageRecipes, type BinaryStep, type ImageRecipe } from './steps.js';
import { locateSources, type LocatedSource, type SourceId } from './sources.js';
import { shellQuote } from '../quote.js';
import { withLock } from '../lab/lock-file.js';

export interface KitBuildOptions {
  kubernetesVersion: string;
  /** Folder with the third-party sources (tarballs or clones). */
  sourcesDir: string;
  /** Where the kit's tarball lands: the spec's images folder, which provisioning loads on every node. */
  imagesDir: string;
  cacheRoot: string;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export interface KitBuildResult {
  tarball: string;
  manifest: KitManifest;
  steps: { name: string; outcome: 'built' | 'cached'; seconds: number }[];
  seconds: number;
}

/**
 * Builds the offline kit: every binary from source (Go module proxy + the sources folder), the
 * images on a debootstrapped Debian base, one gzipped `docker save` of them all. Every step is
 * keyed by the content of what it reads, and skipped when its output for that key exists.
 */
export async function buildKit(options: KitBuildOptions): Promise<KitBuildResult> {
  const { kubernetesVersion } = options;
  // What makes a build impossible is said at once, not after waiting for another build.
  if (!KIT_KUBERNETES_VERSIONS.includes(kubernetesVersion)) {
    throw new KubelabError(`the kit has no recipe for Kubernetes ${kubernetesVersion}`, { hint: `the kit builds ${KIT_KUBERNETES_VERSIONS.join(', ')}` });
  }
  const sources = await locateSources(path.resolve(options.sourcesDir));
  const goVersion = await requireTools();
  const cache = kitCacheLayout(options.cacheRoot);
  // A build takes up to half an hour the first time: the one that comes second waits, then finds it cached.
  return withLock(cache.lock, () => buildKitHeld(options, sources, goVersion), {
    waitMs: 90 * 60_000,
    what: 'the kit cache',
    onWait: (pid) => options.log(`kit: another kit build (process ${pid}) fills the cache; waiting for it`),
  });
}

async function buildKitHeld(options: KitBuildOptions, sources: Record<SourceId, LocatedSource>, goVersion: string): Promise<KitBuildResult> {
  const started = Date.now();
  const { kubernetesVersion, log } = options;
  const cache = kitCacheLayout(options.cacheRoot);
  const versions = binaryVersions(kubernetesVersion);
  const sourceHashes = new Map<SourceId, string>();
  for (const [id, located] of Object.entries(sources) as [SourceId, LocatedSource][]) sourceHashes.set(id, await hashPath(located.path));

  const recipes = imageRecipes(kubernetesVersion);
  const total = BINARY_STEPS.length + recipes.length + 2;
  const steps: KitBuildResult['steps'] = [];
  let index = 0;
  const track = async (name: string, cached: boolean, work: () => Promise<void>): Promise<void> => {
    index++;
    const label = `kit [${String(index).padStart(2)}/${total}] ${name}`;
    if (cached) {
      steps.push({ name, outcome: 'cached', seconds: 0 });
      log(`${label}: cached`);
      return;
    }
    log(`${label}: building…`);
    const t = Date.now();
    await work();
    const seconds = (Date.now() - t) / 1000;
    steps.push({ name, outcome: 'built', seconds });
    log(`${label}: built in ${seconds.toFixed(1)}s`);
  };

  // 1. Programs.
  const scriptHash = await hashPath(path.join(kitDir, 'binaries.sh'));
  const binaryKeys = new Map<string, string>();
  const binaryDirs = new Map<string, string>();
  const unpacked = new Map<SourceId, string>();
  const sourceFolder = async (id: SourceId): Promise<string> => {
    let dir = unpacked.get(id);
    if (!dir) {
      dir = await unpackSource(sources[id], sourceHashes.get(id)!, cache);
      unpacked.set(id, dir);
    }
    return dir;
  };
  const context: StepContext = { cache, sourceFolder, signal: options.signal };
  for (const step of BINARY_STEPS) {
    const key = hashOf([scriptHash, step.id, JSON.stringify(versions), goVersion, ...step.sources.map((s) => sourceHashes.get(s)!)]);
    const dir = path.join(cache.binaries, `${step.id}-${key}`);
    binaryKeys.set(step.id, key);
    binaryDirs.set(step.id, dir);
    await track(step.id, await fs.pathExists(dir), () => buildBinaries(step, dir, versions, context));
  }

  // 2. Images and their tarball.
  const baseKey = hashOf([await hashPath(path.join(kitDir, 'base.sh')), process.env.KUBELAB_DEBIAN_MIRROR ?? '', process.env.KUBELAB_SECURITY_MIRROR ?? '']);
  const baseImage = `kubelab/kit-base:${baseKey}`;
  const imageKeys = new Map<ImageRecipe, string>();
  for (const recipe of recipes) {
    imageKeys.set(
      recipe,
      hashOf([
        baseKey,
        recipe.name,
        await hashPath(path.join(kitDir, 'images', recipe.dir)),
        ...recipe.binaries.map((b) => `${binaryKeys.get(b.step)}/${b.file}>${b.to ?? b.file}`),
        recipe.source ? sourceHashes.get(recipe.source)! : '',
      ]),
    );
  }
  const kitKey = hashOf([kubernetesVersion, ...recipes.map((r) => imageKeys.get(r)!)]);
  const cachedTarball = path.join(cache.tarballs, `${kubernetesVersion}-${kitKey}.tar.gz`);
  const tarballCached = await fs.pathExists(cachedTarball);

  await track('base image (debootstrap)', tarballCached || (await imageLabel(baseImage)) !== undefined, async () => {
    await runStreamed('bash', [path.join(kitDir, 'base.sh'), baseImage], { cwd: kitDir, logFile: stepLog(cache, 'base'), signal: options.signal });
  });
  for (const recipe of recipes) {
    const key = imageKeys.get(recipe)!;
    await track(`image ${recipe.name}`, tarballCached || (await imageLabel(recipe.name)) === key, () =>
      buildImage(recipe, key, baseImage, binaryDirs, context),
    );
  }
  await track(`save ${path.basename(cachedTarball)}`, tarballCached, () =>
    fillAtomically(cachedTarball, async (tmp) => {
      await fs.mkdirp(path.dirname(tmp));
      const names = recipes.map((r) => r.name);
      // One save: the images share the base layer, which is written once.
      await runStreamed('bash', ['-c', `set -o pipefail; docker save "$@" | ${await compressor()} > ${shellQuote(tmp)}`, 'save', ...names], {
        cwd: kitDir,
        logFile: stepLog(cache, 'save'),
        signal: options.signal,
      });
    }),
  );

  const tarball = path.join(path.resolve(options.imagesDir), kitTarballName(kubernetesVersion));
  await placeTarball(cachedTarball, tarball);
  const manifest: KitManifest = {
    kubernetesVersion,
    key: kitKey,
    rke: path.join(binaryDirs.get('rke')!, 'rke'),
    kubectl: path.join(binaryDirs.get('kubernetes')!, 'kubectl'),
    tarball: cachedTarball,
    images: recipes.map((r) => r.name),
  };
  await writeKitManifest(options.cacheRoot, manifest);
  return { tarball, manifest, steps, seconds: (Date.now() - started) / 1000 };
}

/** Go, gcc (pause is C) and a running Docker, checked before the first step; returns Go's version. */
async function requireTools(): Promise<string> {
  const missing: { name: string; howToGet: string }[] = [];
  const go = await capture('go', ['version']).catch(() => undefined);
  if (!go?.ok) missing.push({ name: 'go', howToGet: howToInstall('go') });
  if (!(await capture('gcc', ['--version']).catch(() => undefined))?.ok) missing.push({ name: 'gcc', howToGet: howToInstall('gcc') });
  if (!(await capture('docker', ['info', '--format', '{{.ServerVersion}}']).catch(() => undefined))?.ok) {
    missing.push({ name: 'docker (a running Docker daemon)', howToGet: howToInstall('docker') });
  }
  if (!(await capture('debootstrap', ['--version']).catch(() => undefined))?.ok) missing.push({ name: 'debootstrap', howToGet: howToInstall('debootstrap') });
  if (missing.length > 0) throw new PrerequisiteError(missing, 'cannot build the kit');
  return go!.stdout.trim();
}

/** What every build step reads besides its own inputs. */
interface StepContext {
  cache: KitCacheLayout;
  /** A source tree's folder, unpacked into the cache on first use. */
  sourceFolder: (id: SourceId) => Promise<string>;
  signal: AbortSignal | undefined;
}

async function buildBinaries(step: BinaryStep, dir: string, versions: Record<string, string>, { cache, sourceFolder, signal }: StepContext): Promise<void> {
  const env: Record<string, string> = {
    ...versions,
    GOMODCACHE: cache.goModCache,
    GOCACHE: cache.goBuildCache,
    KIT_WORK: path.join(cache.work, step.id),
  };
  for (const source of step.sources) env[SOURCE_ENV[source]] = await sourceFolder(source);
  await fs.mkdirp(cache.binaries);
  await fillAtomically(dir, async (tmp) => {
    await runStreamed('bash', [path.join(kitDir, 'binaries.sh'), step.id, tmp], { cwd: kitDir, env, logFile: stepLog(cache, step.id), signal });
    for (const output of step.outputs) {
      if (!(await fs.pathExists(path.join(tmp, output))))
        throw new KubelabError(`kit step ${step.id} finished without ${output}`, { hint: `see ${stepLog(cache, step.id)}` });
    }
  });
  await fs.remove(path.join(cache.work, step.id));
}

async function buildImage(
  recipe: ImageRecipe,
  key: string,
  baseImage: string,
  binaryDirs: Map<string, string>,
  { cache, sourceFolder, signal }: StepContext,
): Promise<void> {
  const context = path.join(cache.work, `image-${recipe.dir}`);
  await fs.remove(context);
  await fs.copy(path.join(kitDir, 'images', recipe.dir), context);
  for (const input of recipe.binaries) {
    await fs.copy(path.join(binaryDirs.get(input.step)!, input.file), path.join(context, 'bin', input.to ?? input.file));
  }
  if (recipe.source) await fs.copy(await sourceFolder(recipe.source), path.join(context, 'src'));
  try {
    // The classic builder reads FROM a local image; BuildKit would look for it in a registry.
    await runStreamed('docker', ['build', '--build-arg', `BASE=${baseImage}`, '--label', `${KEY_LABEL}=${key}`, '--tag', recipe.name, context], {
      cwd: context,
      env: { DOCKER_BUILDKIT: '0' },
      logFile: stepLog(cache, `image-${recipe.dir}`),
      signal,
    });
  } finally {
    await fs.remove(context);
  }
}

const KEY_LABEL = 'org.kubelab.kit.key';

/** The kit key an image was built for; undefined when the image is not there. */
async function imageLabel(image: string): Promise<string | undefined> {
  const result = await capture('docker', ['image', 'inspect', '--format', `{{index .Config.Labels "${KEY_LABEL}"}}`, image]);
  return result.ok ? result.stdout.trim() : undefined;
}

/** A tarball is unpacked once per content into the cache; a folder is used where it is. */
async function unpackSource(located: LocatedSource, hash: string, cache: KitCacheLayout): Promise<string> {
  if (located.kind === 'folder') return located.path;
  const dir = path.join(cache.sources, `${located.source.name}-${hash}`);
  if (!(await fs.pathExists(dir))) {
    await fs.mkdirp(cache.sources);
    await fillAtomically(dir, async (tmp) => {
      await fs.mkdirp(tmp);
      const tar = await run('tar', ['-xzf', located.path, '-C', tmp], { timeoutMs: TIMEOUTS.none, purpose: 'unpack a source tarball' });
      if (!tar.ok)
        throw new KubelabError(`could not unpack ${located.path}: ${tar.stderr.trim() || `tar exited ${String(tar.exitCode)}`}`, {
          hint: 'is the tarball complete? `tar -tzf` it to see',
        });
    });
  }
  // `git archive --prefix=NAME/` tarballs hold one folder; a bare tree is used as it is.
  const entries = await fs.readdir(dir);
  return entries.length === 1 && (await fs.stat(path.join(dir, entries[0]!))).isDirectory() ? path.join(dir, entries[0]!) : dir;
}

/**
 * Puts the cached tarball into the images folder: a hard link where both are on one file system
 * (instant, no second copy on disk), else a copy; through a temporary name either way, so the
 * folder never holds a half-written tarball that provisioning would try to load.
 */
async function placeTarball(cached: string, target: string): Promise<void> {
  const [from, to] = await Promise.all([fs.stat(cached), fs.stat(target).catch(() => undefined)]);
  if (to && to.ino === from.ino && to.dev === from.dev) return;
  await fs.mkdirp(path.dirname(target));
  await fillAtomically(target, async (tmp) => {
    try {
      await fs.link(cached, tmp);
    } catch {
      await fs.copy(cached, tmp);
    }
  });
}

async function compressor(): Promise<string> {
  // pigz uses both cores; the gzip stream is the same format.
  return (await capture('pigz', ['--version']).catch(() => undefined))?.ok ? 'pigz -1' : 'gzip -1';
}

function stepLog(cache: KitCacheLayout, name: string): string {
  return path.join(cache.logs, `${name}.log`);
}
