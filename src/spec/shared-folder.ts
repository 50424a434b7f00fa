import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The images folder is shared into every machine (a bind mount on docker, a shared folder or rsync
 * on VMs): it must not carry the host's root, the user's home, or the lab's own keys and state in.
 * Returns why the folder cannot be shared, or undefined when it can.
 */
export function unshareableReason(imagesDir: string, forbidden: { outDir: string; keyFiles: string[] }): string | undefined {
  const dir = real(imagesDir);
  if (path.parse(dir).root === dir) return 'the root of the file system';
  const home = real(os.homedir());
  if (path.parse(home).root !== home && within(home, dir)) return dir === home ? 'your home folder' : `a folder holding your home folder (${home})`;
  for (const system of SYSTEM_FOLDERS) {
    if (within(dir, system) || within(system, dir))
      return dir === system ? `the system folder ${system}` : `a folder holding or inside the system folder ${system}`;
  }
  for (const secrets of HOME_SECRETS.map((name) => path.join(home, name))) {
    if (within(dir, secrets) || within(secrets, dir)) return `${dir === secrets ? '' : 'a folder holding or inside '}${secrets}, which holds credentials`;
  }
  const out = real(forbidden.outDir);
  if (within(out, dir))
    return dir === out
      ? "the output folder, which holds the lab's SSH key and RKE state"
      : `a folder holding the output folder (${out}), which holds the lab's SSH key and RKE state`;
  if (within(dir, path.join(out, '.kubelab'))) return "inside the output folder's .kubelab folder, which holds the lab's SSH key";
  for (const key of forbidden.keyFiles.map(real)) {
    if (within(key, dir) || dir === path.dirname(key)) return `the folder holding the SSH key ${key}`;
  }
  return undefined;
}

/**
 * The host's own configuration, secrets and kernel interfaces (POSIX layout). /root is left to the
 * home-folder rules: as root, a project under /root is normal.
 */
const SYSTEM_FOLDERS = ['/etc', '/boot', '/dev', '/proc', '/sys', '/run', '/var/lib', '/var/run'];

/** Folders in the home folder that hold credentials: never shared, nor anything around them. */
const HOME_SECRETS = ['.ssh', '.gnupg', '.kube', '.aws', '.docker'];

/** True when `inner` is `outer` or lies below it. */
function within(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The path with its symbolic links resolved as far as it exists, so a link cannot hide where it leads. */
function real(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync.native(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(real(parent), path.basename(abs));
  }
}
