import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { compileSpec } from '../../src/spec/index.js';
import { DOCKER_EXAMPLE, dockerExample, readmeQuickStart } from '../support/quick-start.js';

// The quick start itself runs in the shared cluster's end-to-end test (kit-cluster/lifecycle.ts);
// this holds what it needs, in seconds.
test("the README's quick start brings up the docker example: production-shaped, on its own network", async () => {
  const { lines, kubelabCommands } = readmeQuickStart();
  assert.ok(lines.includes('cd examples/docker'), lines.join('\n'));
  assert.deepEqual(kubelabCommands, [['box', 'build'], ['kit', 'build'], ['apply'], ['kubectl', 'get', 'nodes']]);
  const { model } = await compileSpec(DOCKER_EXAMPLE, path.join(path.dirname(DOCKER_EXAMPLE), 'out'));
  assert.equal(model.provider.type, 'docker');
  assert.equal(model.images.system, 'kit');
  assert.deepEqual(
    model.nodes.map((n) => [n.name, n.roles.join(',')]),
    [
      ['cp-1', 'etcd,controlplane'],
      ['cp-2', 'etcd,controlplane'],
      ['cp-3', 'etcd,controlplane'],
      ['worker-1', 'worker'],
      ['lb', 'loadbalancer'],
    ],
  );
  // Not VirtualBox's default host-only network (the bundled example's), nor the tests' own.
  assert.equal(dockerExample().net, '192.168.58');
});
