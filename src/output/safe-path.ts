import fs from 'fs-extra';
import path from 'node:path';
import { UnsafeOutputError } from '../errors.js';

/**
 * Paths inside the output folder, as kubelab writes them and as the manifest records them. The
 * manifest is a file anyone can edit: its paths are checked before kubelab acts on one.
 */
export function isPlainRelative(rel: unknown): rel is string {
  return (
    typeof rel === 'string' &&
    rel !== '' &&
    !path.isAbsolute(rel) &&
    !rel.includes('\\') &&
    !rel.includes('\0') &&
    rel.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
  );
}

/**
 * Refuses when `rel`, or a folder on the way to it, is a symbolic link inside the output folder:
 * writing or deleting through it would act on a file elsewhere. The output folder itself may be a
 * link; that is the user's choice, not something found in it.
 */
export async function assertNoLinks(outDir: string, rel: string): Promise<void> {
  if (!isPlainRelative(rel)) {
    throw new UnsafeOutputError(
      `refusing to touch ${JSON.stringify(rel)}: not a plain path inside ${outDir}`,
      'remove kubelab.manifest.json from the output folder and run `kubelab generate --force`',
    );
  }
  let current = outDir;
  for (const part of rel.split('/')) {
    current = path.join(current, part);
    const stat = await fs.lstat(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (!stat) return;
    if (stat.isSymbolicLink()) {
      throw new UnsafeOutputError(
        `refusing to write through ${current}: it is a symbolic link (to ${await fs.readlink(current)}), and kubelab writes only inside ${outDir}`,
        `remove the link (rm ${JSON.stringify(current)}), then run \`kubelab generate\` again`,
      );
    }
  }
}
