import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imagesToPrefetch } from '../../src/cluster/images.js';
import { kitSystemImages } from '../../src/kit/components.js';
import type { LabModel } from '../../src/model.js';
import { compileText } from '../support/spec.js';

const LAB = `provider:
  type: docker
images:
  system: kit
nodes:
  - name: cp
    count: 3
    roles: [etcd, controlplane]
  - name: worker
    roles: [worker]
`;

const prefetched = (model: LabModel): Record<string, string[]> => Object.fromEntries(model.nodes.map((n) => [n.name, imagesToPrefetch(model, n)]));

test("each node pulls the kit's images rke up runs on it from the lab registry: etcd only where etcd runs, nothing on the endpoint's machine", async () => {
  const { model } = await compileText(LAB);
  assert.equal(model.images.delivery, 'registry');
  const kit = kitSystemImages(model.kubernetesVersion);
  const every = [kit.alpine, kit.kubernetes, kit.pod_infra_container, kit.flannel, kit.flannel_cni];
  const pulls = prefetched(model);
  assert.deepEqual(Object.keys(pulls), ['cp-1', 'cp-2', 'cp-3', 'worker', 'lb']);
  for (const cp of ['cp-1', 'cp-2', 'cp-3']) assert.deepEqual(new Set(pulls[cp]), new Set([...every, kit.etcd]));
  assert.deepEqual(new Set(pulls.worker), new Set(every));
  assert.deepEqual(pulls.lb, []);
  // The kit's tools image stands for four of RKE's keys: pulled once.
  assert.equal(pulls.worker!.filter((i) => i === kit.alpine).length, 1);
});

test('nothing is pulled ahead where the nodes do not take the kit from the lab registry, and no plugin image without a plugin', async () => {
  const rancher = await compileText(LAB.replace('  system: kit', '  system: rancher'));
  assert.deepEqual(Object.values(prefetched(rancher.model)).flat(), []);
  const tarballs = await compileText(`${LAB}registry:\n  enabled: false\n`);
  assert.notEqual(tarballs.model.images.delivery, 'registry');
  assert.deepEqual(Object.values(prefetched(tarballs.model)).flat(), []);
  const noPlugin = await compileText(`${LAB}cni:\n  plugin: none\n`);
  const kit = kitSystemImages(noPlugin.model.kubernetesVersion);
  assert.ok(!imagesToPrefetch(noPlugin.model, noPlugin.model.nodes[3]!).includes(kit.flannel!));
});
