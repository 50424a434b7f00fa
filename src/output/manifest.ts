import { createHash } from 'node:crypto';
import fs from 'fs-extra';
import path from 'node:path';
import { UnsafeOutputError } from '../errors.js';
import { checkJson } from '../input/json.js';
import { describeRefusal, InputFileError, isMissing, readBounded, readBoundedText } from '../input/read.js';
import { anything, array, boolean, literal, object, optional, string, type Shape } from '../input/shape.js';
import type { Artifact } from './artifact.js';
import { isPlainRelative } from './safe-path.js';

export const MANIFEST_FILE = 'kubelab.manifest.json';

export interface ManifestEntry {
  path: string;
  sha256: string;
  executable: boolean;
  /**
   * Set only while a generate is replacing the file: what it was before. A run interrupted between
   * files leaves either state on disk, and both are kubelab's own.
   */
  previous?: { sha256: string; executable: boolean };
}

/** What kubelab generated last time: lets it tell its own files from hand edits. */
export interface Manifest {
  generatedBy: 'kubelab';
  spec: string;
  files: ManifestEntry[];
}

export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export function buildManifest(spec: string, artifacts: Artifact[]): Manifest {
  return {
    generatedBy: 'kubelab',
    spec,
    files: artifacts.map((a) => ({ path: a.path, sha256: sha256(a.content), executable: a.executable })),
  };
}

export function serializeManifest(manifest: Manifest): string {
  return JSON.stringify(manifest, null, 2) + '\n';
}

/** A manifest lists a dozen files; a generated file is at most a few hundred kilobytes (100 nodes). */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_GENERATED_BYTES = 16 * 1024 * 1024;

const MANIFEST = object({ generatedBy: literal('kubelab'), spec: string, files: array(anything) });
const ENTRY: Shape<ManifestEntry> = object({
  path: string,
  sha256: string,
  executable: boolean,
  previous: optional(object({ sha256: string, executable: boolean })),
});

export async function readManifest(outDir: string): Promise<Manifest | undefined> {
  const file = path.join(outDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readBoundedText(file, MAX_MANIFEST_BYTES);
  } catch (error) {
    // Something kubelab never writes stands in its place: not to be replaced unasked.
    if (error instanceof InputFileError && (error.refusal.reason === 'not-a-file' || error.refusal.reason === 'folder')) {
      throw new UnsafeOutputError(`${file}: ${describeRefusal(error.refusal, MAX_MANIFEST_BYTES)}`, `remove it: \`kubelab generate\` writes the manifest`);
    }
    // A manifest that cannot be read is treated as absent: every file then counts as not ours.
    return undefined;
  }
  const checked = checkJson(text, MANIFEST);
  if ('problem' in checked) return undefined;
  // Its paths decide what gets removed: an edited manifest must not reach outside the folder.
  const files = checked.value.files.filter((f): f is ManifestEntry => ENTRY(f, '') === undefined && isPlainRelative((f as ManifestEntry).path));
  return { ...checked.value, files };
}

/** True when the file on disk is this manifest entry, as written or (mid-generate) as it was before. */
export function isRecorded(onDisk: { sha256: string; executable: boolean }, entry: ManifestEntry): boolean {
  const same = (s: { sha256: string; executable: boolean }): boolean => s.sha256 !== '' && s.sha256 === onDisk.sha256 && s.executable === onDisk.executable;
  return same(entry) || (entry.previous !== undefined && same(entry.previous));
}

/**
 * The state of one file on disk: its hash and executable bit, or undefined when it is missing.
 * Something other than a file in its place (a directory, a symbolic link) has an empty hash, which
 * matches nothing.
 */
export async function fileState(outDir: string, rel: string): Promise<{ sha256: string; executable: boolean } | undefined> {
  const file = path.join(outDir, rel);
  try {
    const stat = await fs.lstat(file);
    if (!stat.isFile()) return { sha256: '', executable: false };
    // Larger than kubelab ever generates, or replaced by something else since the lstat: not ours.
    const content = await readBounded(file, MAX_GENERATED_BYTES).catch((error: unknown) => (isMissing(error) ? Promise.reject(error) : undefined));
    return { sha256: content === undefined ? '' : sha256(content), executable: (stat.mode & 0o100) !== 0 };
  } catch (err) {
    // ENOTDIR: a file stands where a parent folder should be, so this file cannot exist.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || isMissing(err)) return undefined;
    throw err;
  }
}
