import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

const created: string[] = [];

// Registered when this module loads, at the top level of the test file: a hook registered from
// inside another hook or test would run when that one ends, not when the file does.
after(async () => {
  for (const dir of created.splice(0)) await removeTree(dir);
});

/**
 * A fresh folder under the system's temp dir, removed when the test file ends. Its real path is
 * returned, so that paths the code under test prints or writes compare equal to it.
 */
export async function tempDir(label = 'test'): Promise<string> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), `kubelab-${label}-`)));
  created.push(dir);
  return dir;
}

/** rm -rf that also gets through folders a test made read-only. */
export async function removeTree(dir: string): Promise<void> {
  const open = async (d: string): Promise<void> => {
    await fs.chmod(d, 0o755).catch(() => {});
    for (const entry of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await open(path.join(d, entry.name));
    }
  };
  await open(dir);
  await fs.remove(dir);
}
