import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { identityDifferences, type CurrentLab } from '../../src/snapshot/identity.js';
import { checkSnapshotName, type SnapshotRecord } from '../../src/snapshot/record.js';
import { KubelabError } from '../../src/errors.js';

const ID = (n: number): string => String(n).repeat(64);

const record: SnapshotRecord = {
  version: 1,
  name: 'base',
  createdAt: '2026-12-05T03:19:09.000Z',
  lab: 'snap',
  provider: 'docker',
  kubernetesVersion: 'v1.32.5-rancher1-1',
  nodes: [
    { name: 'node-1', ip: '192.168.237.10', roles: ['etcd'], machineId: ID(1) },
    { name: 'node-2', ip: '192.168.237.11', roles: ['etcd'], machineId: ID(2) },
  ],
  etcdMembers: ['364a2f63427c951d', 'dbca3b919328ef02'],
  hostFiles: [],
  etcdArchive: undefined,
  machineBytes: 1,
  hostBytes: 1,
  seconds: { stop: 1, copy: 1, start: 1, healthy: 1 },
};

const same = (): CurrentLab => ({
  provider: 'docker',
  kubernetesVersion: 'v1.32.5-rancher1-1',
  nodes: record.nodes.map((n) => ({ name: n.name, ip: n.ip })),
  machineIds: new Map(record.nodes.map((n) => [n.name, n.machineId])),
});

describe('snapshot identity', () => {
  test('the lab it was taken of fits', () => {
    assert.deepEqual(identityDifferences(record, same()), []);
  });

  test('each difference is named: provider, version, nodes, IPs, recreated or missing machines', () => {
    const now = same();
    now.provider = 'libvirt';
    now.kubernetesVersion = 'v1.31.9-rancher1-1';
    now.nodes = [
      { name: 'node-1', ip: '192.168.237.20' },
      { name: 'node-3', ip: '192.168.237.12' },
    ];
    now.machineIds = new Map([
      ['node-1', ID(9)],
      ['node-3', ID(3)],
    ]);
    assert.deepEqual(identityDifferences(record, now), [
      'provider: docker in the snapshot, libvirt now',
      'Kubernetes version: v1.32.5-rancher1-1 in the snapshot, v1.31.9-rancher1-1 now',
      'nodes in the snapshot but not in the spec: node-2',
      'nodes in the spec but not in the snapshot: node-3',
      'node node-1: IP 192.168.237.10 in the snapshot, 192.168.237.20 now',
      "node node-1's machine was recreated: 111111111111 in the snapshot, 999999999999 now",
    ]);
    const gone = same();
    gone.machineIds.set('node-2', undefined);
    assert.deepEqual(identityDifferences(record, gone), ["node node-2 has no machine now (the snapshot's was 222222222222)"]);
  });

  test('names that could reach outside their folder or volume are refused', () => {
    for (const good of ['base', 'before-upgrade', 'v1.32', 'a_b']) assert.equal(checkSnapshotName(good), good);
    for (const bad of ['', '../x', 'a/b', 'Base', '-x', '.hidden', 'x'.repeat(41), 'a b']) {
      assert.throws(
        () => checkSnapshotName(bad),
        (e: unknown) => e instanceof KubelabError && e.exitCode === 2,
        bad,
      );
    }
  });
});
