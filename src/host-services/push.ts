import fs from 'fs-extra';
import path from 'node:path';
import { cacheDir, fillAtomically, hashOf } from '../cache.js';
import { KubelabError } from '../errors.js';
import { readJsonCache } from '../input/json.js';
import { array, integer, object, string } from '../input/shape.js';
import { capture, quoteLines, run, TIMEOUTS } from '../exec/run.js';

/** One image of a `docker save` archive, as its manifest.json lists it. */
export interface ArchivedImage {
  /** Position in the archive: skopeo's `docker-archive:FILE:@INDEX`. */
  index: number;
  tags: string[];
  /** sha256:… of the image's config, which a registry keeps unchanged. */
  configDigest: string;
}

export interface PushResult {
  /** image references pushed now, and those the registry already had */
  pushed: string[];
  present: string[];
  /** References the lab registry cannot serve, with why. */
  skipped: { ref: string; why: string }[];
  seconds: number;
}

const ARCHIVE = /\.(tar|tar\.gz|tgz)$/;

/** The `docker save` archives of a folder, in name order; none when it does not exist. */
export async function archivesIn(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => ARCHIVE.test(n))
    .sort()
    .map((n) => path.join(dir, n));
}

/**
 * Where Docker asks a registry mirror for a Docker Hub reference: "nginx:1" is library/nginx,
 * "kubelab/pause:3.10" itself. Docker asks mirrors for Docker Hub's images only, so a reference
 * naming another registry cannot be served by the lab registry.
 */
export function mirrorPath(ref: string): { repository: string; tag: string } | { why: string } {
  const at = ref.lastIndexOf(':');
  const slash = ref.lastIndexOf('/');
  if (at <= slash) return { why: 'it has no tag' };
  let repository = ref.slice(0, at);
  const tag = ref.slice(at + 1);
  const first = repository.split('/')[0]!;
  if (repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (first !== 'docker.io' && first !== 'index.docker.io') {
      return { why: `it names the registry ${first}, and Docker asks registry mirrors for Docker Hub's images only` };
    }
    repository = repository.slice(first.length + 1);
  }
  if (!repository.includes('/')) repository = `library/${repository}`;
  const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
  if (!repository.split('/').every((c) => component.test(c)) || !/^[\w][\w.-]{0,127}$/.test(tag)) return { why: 'it is not a valid image reference' };
  return { repository, tag };
}

/**
 * What an archive holds, read from its manifest.json (GNU tar finds it in plain and compressed
 * archives) and remembered by path, size and modification time, so that a warm push reads nothing.
 */
export async function readArchive(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ArchivedImage[]> {
  const stat = await fs.stat(file);
  const memo = path.join(cacheDir(env), 'registry', 'archives', `${hashOf([path.resolve(file), String(stat.size), String(stat.mtimeMs)])}.json`);
  const known = await readJsonCache(memo, { maxBytes: 4 * 1024 * 1024, shape: array(object({ index: integer, tags: array(string), configDigest: string })) });
  if (known) return known;
  const result = await capture('tar', ['-xOf', file, 'manifest.json'], { timeoutMs: TIMEOUTS.none });
  if (!result.ok) {
    throw new KubelabError(`${file} is not a \`docker save\` archive: tar could not read its manifest.json`, {
      hint: `tar said: ${result.stderr.trim().split('\n').pop() ?? ''}; make it with \`docker save IMAGE... | gzip > ${path.basename(file)}\``,
    });
  }
  const images = parseArchiveManifest(result.stdout, file);
  // Through a rename: whatever stands at the memo's path (a FIFO would block a write) is replaced.
  await fillAtomically(memo, (tmp) => fs.outputJson(tmp, images));
  return images;
}

export function parseArchiveManifest(text: string, file: string): ArchivedImage[] {
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    entries = undefined;
  }
  if (!Array.isArray(entries)) throw new KubelabError(`${file}: its manifest.json is not a list of images`, { hint: 'make it again with `docker save`' });
  return entries.map((entry: unknown, index) => {
    const e = (entry ?? {}) as { Config?: unknown; RepoTags?: unknown };
    // docker save writes "<hex>.json" (Docker < 25) or "blobs/sha256/<hex>" (OCI layout).
    const hex = typeof e.Config === 'string' ? /([0-9a-f]{64})(\.json)?$/.exec(e.Config)?.[1] : undefined;
    if (hex === undefined) throw new KubelabError(`${file}: image ${index} of its manifest.json names no config`, { hint: 'make it again with `docker save`' });
    const tags = Array.isArray(e.RepoTags) ? e.RepoTags.filter((t): t is string => typeof t === 'string') : [];
    return { index, tags, configDigest: `sha256:${hex}` };
  });
}

/** The config digest the registry has for repository:tag, or undefined when it has none. */
async function registryConfigDigest(registry: string, repository: string, tag: string): Promise<string | undefined> {
  try {
    const response = await fetch(`http://${registry}/v2/${repository}/manifests/${encodeURIComponent(tag)}`, {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) return undefined;
    const manifest = (await response.json()) as { config?: { digest?: unknown } };
    return typeof manifest.config?.digest === 'string' ? manifest.config.digest : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Pushes every image of the archives that the registry lacks (or has under the same tag with other
 * content), with skopeo, so that no Docker daemon and no daemon setting of the host is involved.
 * skopeo reads plain archives only: a compressed one is unpacked once into kubelab's cache first.
 */
export async function pushArchives(
  archives: readonly string[],
  registry: string,
  options: { log: (line: string) => void; signal: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<PushResult> {
  const started = Date.now();
  const result: PushResult = { pushed: [], present: [], skipped: [], seconds: 0 };
  for (const archive of archives) {
    const images = await readArchive(archive, options.env);
    const todo: { image: ArchivedImage; ref: string; repository: string; tag: string }[] = [];
    for (const image of images) {
      if (image.tags.length === 0) result.skipped.push({ ref: `${path.basename(archive)} image ${image.index}`, why: 'it has no tag' });
      for (const ref of image.tags) {
        const target = mirrorPath(ref);
        if ('why' in target) {
          result.skipped.push({ ref, why: target.why });
          continue;
        }
        if ((await registryConfigDigest(registry, target.repository, target.tag)) === image.configDigest) result.present.push(ref);
        else todo.push({ image, ref, ...target });
      }
    }
    if (todo.length === 0) continue;
    await withPlainArchive(archive, options.env, async (plain) => {
      for (const item of todo) {
        if (options.signal.aborted) throw new KubelabError('interrupted while pushing images to the lab registry');
        options.log(`pushing ${item.ref} (${path.basename(archive)})`);
        const copied = await run(
          'skopeo',
          [
            'copy',
            '--quiet',
            '--dest-tls-verify=false',
            // A registry takes gzip layers only; level 0 stores them uncompressed inside gzip. The
            // nodes are on this host, so compression saves no time, and each node would spend its CPU
            // unpacking it: measured here, 6 nodes pulled the kit in 50 s at level 0, 62 s at level 1,
            // for a store of 1.2 GB instead of 0.44 GB.
            '--dest-compress-level=0',
            `docker-archive:${plain}:@${item.image.index}`,
            `docker://${registry}/${item.repository}:${item.tag}`,
          ],
          { timeoutMs: TIMEOUTS.none, signal: options.signal, purpose: 'push images to the lab registry' },
        );
        if (options.signal.aborted) throw new KubelabError('interrupted while pushing images to the lab registry');
        if (!copied.ok) {
          throw new KubelabError(`skopeo could not push ${item.ref} from ${archive} to the lab registry at ${registry}:\n${indent(copied.stderr)}`, {
            hint: '`kubelab services status` shows whether the registry runs, and where its log is',
          });
        }
        result.pushed.push(item.ref);
      }
    });
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

/** Hands `work` a plain tar of the archive at a path without colons (skopeo's separator). */
async function withPlainArchive(archive: string, env: NodeJS.ProcessEnv | undefined, work: (plain: string) => Promise<void>): Promise<void> {
  const dir = path.join(cacheDir(env), 'registry', `unpack-${process.pid}`);
  await fs.emptyDir(dir);
  try {
    const plain = path.join(dir, 'archive.tar');
    if (archive.endsWith('.tar')) {
      await fs.symlink(path.resolve(archive), plain);
    } else {
      const unpacker = (await capture('pigz', ['--version'])).missing ? 'gzip' : 'pigz';
      const unpacked = await run('bash', ['-c', `${unpacker} -dc -- "$1" > "$2"`, 'unpack', archive, plain], { timeoutMs: TIMEOUTS.none });
      if (!unpacked.ok)
        throw new KubelabError(`${archive} could not be uncompressed:\n${indent(unpacked.stderr)}`, { hint: 'is it a whole gzip file? make it again' });
    }
    await work(plain);
  } finally {
    await fs.remove(dir);
  }
}

/** The end of a program's error output, quoted. */
function indent(text: string): string {
  return quoteLines(text.trim().split('\n').slice(-8));
}
