import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LabAccess } from '../../src/fault/types.js';
import { faultParams, pickNodes, unmetNeeds } from '../../src/scenario/resolve.js';
import type { ScenarioDocument } from '../../src/scenario/types.js';

const LAB: LabAccess = {
  name: 'lab',
  provider: 'docker',
  sshUser: 'vagrant',
  sshKey: 'key',
  interface: 'eth1',
  nodes: [
    { name: 'cp', machineName: 'lab-cp', ip: '10.0.0.10', roles: ['controlplane', 'etcd'] },
    { name: 'etcd-1', machineName: 'lab-etcd-1', ip: '10.0.0.11', roles: ['etcd'] },
    { name: 'etcd-2', machineName: 'lab-etcd-2', ip: '10.0.0.12', roles: ['etcd'] },
    { name: 'worker-1', machineName: 'lab-worker-1', ip: '10.0.0.13', roles: ['worker'] },
    { name: 'worker-2', machineName: 'lab-worker-2', ip: '10.0.0.14', roles: ['worker'] },
  ],
};

describe('a scenario on a lab', () => {
  test('needs are counted per role; a provider outside `providers` is refused', () => {
    const doc = { needs: { etcd: 3, worker: 3 }, steps: [] } as unknown as ScenarioDocument;
    assert.deepEqual(unmetNeeds(doc, LAB), ['3 worker node(s), the lab has 2']);
    const vmOnly = { providers: ['libvirt', 'virtualbox'], steps: [] } as unknown as ScenarioDocument;
    assert.deepEqual(unmetNeeds(vmOnly, LAB), ['a lab on libvirt or virtualbox, this one is on docker']);
    const clock = { steps: [{ fault: { kind: 'clock', offset: '+30s', node: 'cp' } }] } as unknown as ScenarioDocument;
    assert.deepEqual(unmetNeeds(clock, LAB), [
      "machines of their own for clock (a container's clock is the host's: setting it would set the host's), which this lab's docker machines lack",
    ]);
    assert.deepEqual(unmetNeeds(clock, { ...LAB, provider: 'libvirt' }), []);
  });

  const state = (etcdLeader: string | null, holders: Record<string, string> = {}) => ({ etcdLeader, leaseHolder: (lease: string) => holders[lease] ?? null });

  test('variables pick by role, by etcd’s leader, or by a leader lease’s holder when the steps begin', () => {
    assert.deepEqual(
      pickNodes(
        {
          victim: { role: 'worker', pick: 'last' },
          cp: { role: 'controlplane' },
          leader: { etcd: 'leader' },
          a: { etcd: 'follower' },
          b: { etcd: 'follower', index: 1 },
          bystander: { etcd: 'bystander' },
          manager: { lease: 'kube-controller-manager' },
        },
        LAB,
        state('etcd-1', { 'kube-controller-manager': 'cp' }),
      ),
      { victim: 'worker-2', cp: 'cp', leader: 'etcd-1', a: 'cp', b: 'etcd-2', bystander: 'etcd-2', manager: 'cp' },
    );
    // Every follower holds the controllers' lease or follows: none to pick.
    assert.throws(() => pickNodes({ x: { etcd: 'bystander', index: 1 } }, LAB, state('etcd-1', { 'kube-controller-manager': 'cp' })), /no node to pick/);
    assert.throws(() => pickNodes({ leader: { etcd: 'leader' } }, LAB, state(null)), /etcd has no leader/);
    assert.throws(() => pickNodes({ manager: { lease: 'kube-scheduler' } }, LAB, state('cp')), /nobody holds the kube-scheduler lease/);
    // A holder the lab does not know (a node removed from the spec) is no pick.
    assert.throws(() => pickNodes({ manager: { lease: 'kube-scheduler' } }, LAB, state('cp', { 'kube-scheduler': 'gone' })), /no node to pick/);
  });

  test("a fault step becomes what `kubelab fault` makes of the same words, variables and the command line's defaults included", () => {
    const picked = { a: 'etcd-1', b: 'etcd-2', victim: 'worker-2' };
    assert.deepEqual(faultParams({ kind: 'partition', from: '$a,$b', to: 'all' }, picked, LAB).params, {
      kind: 'partition',
      from: ['etcd-1', 'etcd-2'],
      to: ['cp', 'etcd-1', 'etcd-2', 'worker-1', 'worker-2'],
      oneWay: false,
    });
    assert.deepEqual(faultParams({ kind: 'crash', nodes: '$victim' }, picked, LAB).params, { kind: 'crash', nodes: ['worker-2'] });
    assert.deepEqual(faultParams({ kind: 'kill', component: 'etcd', node: '$a' }, picked, LAB).params, { kind: 'kill', component: 'etcd', nodes: ['etcd-1'] });
    assert.throws(() => faultParams({ kind: 'crash', nodes: 'nobody' }, picked, LAB), /nobody/);
  });
});
