import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { capture } from '../exec/run.js';

/**
 * The key pair RKE logs in with. It lives under .kubelab/ in the output folder, which the generated
 * .gitignore excludes, and is made once per lab so that re-running apply keeps access.
 */
export async function ensureSshKey(outDir: string, privateKeyPath: string, comment: string): Promise<string> {
  const file = path.join(outDir, privateKeyPath);
  if ((await fs.pathExists(file)) && (await fs.pathExists(`${file}.pub`))) return file;
  await fs.mkdirp(path.dirname(file), { mode: 0o700 });
  await fs.remove(file);
  await fs.remove(`${file}.pub`);
  const result = await capture('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  if (!result.ok) throw new Error(`ssh-keygen failed: ${result.stderr.trim()}`);
  await fs.chmod(file, 0o600);
  return file;
}

/** A key the spec names (ssh.privateKey) must be there, with its public half, before anything starts. */
export async function requireSshKey(outDir: string, privateKeyPath: string): Promise<void> {
  const file = path.resolve(outDir, privateKeyPath);
  for (const needed of [file, `${file}.pub`]) {
    if (!(await fs.pathExists(needed))) {
      throw new KubelabError(`ssh.privateKey: ${needed} does not exist`, {
        hint: 'point ssh.privateKey at a private key whose public key sits beside it as KEY.pub, or remove it to let kubelab create a key pair',
      });
    }
  }
}
