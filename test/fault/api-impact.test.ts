import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiImpact } from '../../src/fault/api-impact.js';
import { compileText } from '../support/spec.js';

const HA = 'nodes:\n  - name: cp\n    count: 3\n    roles: [etcd, controlplane]\n  - name: worker\n    roles: [worker]\n';

test('a fault that takes the API away says so before it is injected; one that leaves a way to it says nothing', async () => {
  const { model } = await compileText(HA);
  assert.match(apiImpact(model, { kind: 'crash', nodes: ['lb'] }, ['lb']) ?? '', /the lab's API endpoint \(lb, 192\.168\.56\.9:6443\) goes down/);
  assert.match(apiImpact(model, { kind: 'stop-component', component: 'haproxy', nodes: ['lb'] }, ['lb']) ?? '', /API endpoint \(lb/);
  assert.match(apiImpact(model, { kind: 'freeze', nodes: ['cp-1', 'cp-2', 'cp-3'] }, ['cp-1', 'cp-2', 'cp-3']) ?? '', /every API server \(cp-1, cp-2, cp-3\)/);
  assert.match(
    apiImpact(model, { kind: 'kill', component: 'kube-apiserver', nodes: ['cp-1', 'cp-2', 'cp-3'] }, ['cp-1', 'cp-2', 'cp-3']) ?? '',
    /unreachable, for the nodes too/,
  );
  // The endpoint moves clients to the API servers that are left.
  assert.equal(apiImpact(model, { kind: 'crash', nodes: ['cp-1', 'cp-2'] }, ['cp-1', 'cp-2']), undefined);
  assert.equal(apiImpact(model, { kind: 'kill', component: 'kubelet', nodes: ['lb'] }, ['lb']), undefined);
  assert.equal(apiImpact(model, { kind: 'kill', component: 'etcd', nodes: ['cp-1', 'cp-2', 'cp-3'] }, ['cp-1', 'cp-2', 'cp-3']), undefined);
});

test('without an endpoint, losing the one API server is said; other faults are not', async () => {
  const { model } = await compileText('nodes:\n  - name: a\n    roles: [etcd, controlplane, worker]\n  - name: w\n    roles: [worker]\n');
  assert.match(apiImpact(model, { kind: 'stop', nodes: ['a'] }, ['a']) ?? '', /every API server \(a\)/);
  assert.equal(apiImpact(model, { kind: 'stop', nodes: ['w'] }, ['w']), undefined);
});
