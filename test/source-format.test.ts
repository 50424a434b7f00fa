import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import * as prettier from 'prettier';
import { repoRoot } from './support/paths.js';

const SOURCE_FOLDERS = ['src', 'generators', 'test', 'bench'];

test('every TypeScript source is formatted as .prettierrc.json says (npm run format fixes it)', async () => {
  const files: string[] = [];
  for (const folder of SOURCE_FOLDERS) {
    for (const entry of await fs.readdir(path.join(repoRoot, folder), { recursive: true })) {
      if (entry.endsWith('.ts') && !entry.startsWith('golden/') && !entry.startsWith('fixtures/')) files.push(path.join(folder, entry));
    }
  }
  assert.ok(files.length > 50, `found the sources (${files.length})`);
  const unformatted: string[] = [];
  for (const file of files) {
    const full = path.join(repoRoot, file);
    const options = { ...(await prettier.resolveConfig(full)), filepath: full };
    if (!(await prettier.check(await fs.readFile(full, 'utf8'), options))) unformatted.push(file);
  }
  assert.deepEqual(unformatted, [], 'run `npm run format`');
});
