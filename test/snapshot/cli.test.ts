/**
 * `kubelab snapshot` refusing bad input before it touches anything: names, snapshots that are not
 * there. The real saves and restores run in test/e2e/kit-cluster/snapshots.ts.
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { kubelab } from '../support/cli.js';
import { threeNodeDockerSpec } from '../support/docker-lab.js';
import { tempDir } from '../support/tmp.js';

describe('kubelab snapshot without a lab', () => {
  test('list says there are none; restore and delete of a missing name fail with exit 2 and say how to take one', async () => {
    const dir = await tempDir('snapshot-cli');
    await fs.writeFile(path.join(dir, 'kubelab.yaml'), threeNodeDockerSpec('klsnapcli', '192.168.228.0/24', 'rancher'));
    const list = await kubelab(dir, ['snapshot', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout.trim(), 'no snapshots: `kubelab snapshot save NAME` takes one');
    assert.equal((await kubelab(dir, ['snapshot', 'list', '--json'])).stdout.trim(), '[]');
    for (const command of ['restore', 'delete']) {
      const result = await kubelab(dir, ['snapshot', command, 'base']);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^kubelab: the lab has no snapshot named base\nhint: take one with `kubelab snapshot save NAME`/);
    }
    assert.ok(!(await fs.pathExists(path.join(dir, 'out', '.kubelab', 'snapshots'))));
  });

  test('a name that could reach outside its folder is refused before anything is read', async () => {
    const dir = await tempDir('snapshot-cli');
    for (const name of ['../escape', 'Base', 'a b']) {
      const result = await kubelab(dir, ['snapshot', 'save', name]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /cannot name a snapshot\nhint: use up to 40 lowercase letters/);
    }
    assert.deepEqual(await fs.readdir(dir), []);
  });
});
