import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { test } from 'node:test';
import { kubelab } from './support/cli.js';
import { exampleSpec } from './support/paths.js';
import { tempDir } from './support/tmp.js';
import { readTree } from './support/tree.js';

test('formatted files come from the cache with the bytes prettier gives, and a miss fills it', async () => {
  const dir = await tempDir('format-cache');
  await fs.copy(exampleSpec, path.join(dir, 'kubelab.yaml'));
  const env = { NO_COLOR: '1', KUBELAB_CACHE_DIR: path.join(dir, 'cache') };
  const cold = await kubelab(dir, ['generate', '--out', 'cold'], { env });
  assert.equal(cold.code, 0, cold.stderr);
  // Every shell script and cluster.yml went through prettier once, each kept under its key.
  const entries = (await fs.readdir(path.join(dir, 'cache', 'format'), { recursive: true })).filter((e) => /^[0-9a-f]{2}\/[0-9a-f]{16}$/.test(String(e)));
  const formatted = [...(await readTree(path.join(dir, 'cold'))).keys()].filter((f) => f.endsWith('.sh') || f.endsWith('.yml'));
  assert.equal(entries.length, formatted.length, `one entry per formatted file (${formatted.join(', ')})`);

  const warm = await kubelab(dir, ['generate', '--out', 'warm'], { env });
  assert.equal(warm.code, 0, warm.stderr);
  assert.deepEqual(await readTree(path.join(dir, 'warm')), await readTree(path.join(dir, 'cold')));
  // And both are what the committed example output holds.
  const check = await kubelab(dir, ['generate', '--check', '--out', 'warm'], { env });
  assert.equal(check.code, 0, check.stderr);
});
