import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubelab } from '../support/cli.js';
import { repoRoot } from '../support/paths.js';

test('the committed out/ is what the example kubelab.yaml generates (kubelab generate --check)', async () => {
  const { code, stdout, stderr } = await kubelab(repoRoot, ['generate', '--check']);
  assert.equal(code, 0, `out/ is stale: run \`npm run generate\` and commit out/\n${stderr}`);
  assert.equal(stdout, 'out is up to date with kubelab.yaml');
});
