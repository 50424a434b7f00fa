/** Unit tests of `kubelab fault`'s pure parts: quantities, selectors, pairs, conflicts, descriptions. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findConflicts as conflictsOf } from '../src/fault/conflicts.js';
import { describeFault, formatFaultTable } from '../src/fault/describe.js';
import { FaultInputError } from '../src/fault/errors.js';
import { countGroups, networkPairs, resolveSelector, resolveSelectors } from '../src/fault/selectors.js';
import type { FaultRecord } from '../src/fault/types.js';
import { formatBytes, formatDuration, formatRate, parseDuration, parseMilliseconds, parsePercent, parseRate, parseSize } from '../src/units.js';
import { LAB, NOW, record } from './support/fault-fixtures.js';

describe('fault quantities', () => {
  test('durations need a unit, add up, and print back', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5s'), 1500);
    for (const bad of ['30', '', 's', '-5s', '5 m', '0s', '1w']) assert.equal(parseDuration(bad), undefined, bad);
    assert.equal(formatDuration(5_400_000), '1h30m');
    assert.equal(formatDuration(61_000), '1m1s');
    assert.equal(formatDuration(500), '500ms');
    assert.equal(formatDuration(0), '0ms');
  });

  test('percentages are above 0 and at most 100', () => {
    assert.equal(parsePercent('30'), 30);
    assert.equal(parsePercent('30%'), 30);
    assert.equal(parsePercent('0.5'), 0.5);
    assert.equal(parsePercent('100'), 100);
    for (const bad of ['0', '101', '150', '-5', 'abc', '1.234', '']) assert.equal(parsePercent(bad), undefined, bad);
  });

  test('rates are in bits with decimal multiples; byte units are refused', () => {
    assert.equal(parseRate('1mbit'), 1_000_000);
    assert.equal(parseRate('500kbit'), 500_000);
    assert.equal(parseRate('2.5Mbit'), 2_500_000);
    assert.equal(parseRate('1gbit'), 1e9);
    for (const bad of ['1mbps', '1m', '100bit', '', 'fast']) assert.equal(parseRate(bad), undefined, bad);
    assert.equal(formatRate(1_000_000), '1mbit');
    assert.equal(formatRate(1_500_000), '1.5mbit');
    assert.equal(formatRate(8000), '8kbit');
  });

  test('sizes are binary, as df -h and free show them', () => {
    assert.equal(parseSize('512M'), 512 * 1024 ** 2);
    assert.equal(parseSize('1G'), 1024 ** 3);
    assert.equal(parseSize('256MiB'), 256 * 1024 ** 2);
    assert.equal(parseSize('10g'), 10 * 1024 ** 3);
    assert.equal(parseSize('4096'), 4096);
    for (const bad of ['0', '1X', '', '-1G']) assert.equal(parseSize(bad), undefined, bad);
    assert.equal(formatBytes(512 * 1024 ** 2), '512MiB');
    assert.equal(formatBytes(1536 * 1024 ** 2), '1.5GiB');
  });

  test('delays are whole milliseconds', () => {
    assert.equal(parseMilliseconds('100'), 100);
    assert.equal(parseMilliseconds('250ms'), 250);
    assert.equal(parseMilliseconds('1.5s'), 1500);
    for (const bad of ['0', 'x', '1m', '']) assert.equal(parseMilliseconds(bad), undefined, bad);
  });
});

describe('fault selectors', () => {
  const nodes = LAB.nodes;

  test("a node, a role, a count group, all, and comma lists, in the lab's order", () => {
    assert.deepEqual(resolveSelector(nodes, 'cp', '--to'), ['cp']);
    assert.deepEqual(resolveSelector(nodes, 'worker', '--to'), ['worker-1', 'worker-2']);
    assert.deepEqual(resolveSelector(nodes, 'controlplane', '--to'), ['cp']);
    assert.deepEqual(resolveSelector(nodes, 'worker-2,cp', '--to'), ['cp', 'worker-2']);
    assert.deepEqual(resolveSelector(nodes, 'worker,worker-1', '--to'), ['worker-1', 'worker-2']);
    assert.deepEqual(resolveSelector(nodes, 'all', '--to'), ['etcd', 'cp', 'worker-1', 'worker-2']);
    assert.deepEqual(resolveSelectors(nodes, ['worker-2', 'etcd'], 'freeze'), ['etcd', 'worker-2']);
  });

  test('a node name wins over a role of the same name', () => {
    const lab = [
      { name: 'etcd', machineName: 'x-etcd', ip: '10.0.0.10', roles: ['controlplane' as const] },
      { name: 'e', machineName: 'x-e', ip: '10.0.0.11', roles: ['etcd' as const] },
    ];
    assert.deepEqual(resolveSelector(lab, 'etcd', '--node'), ['etcd']);
  });

  test('groups come from count names only, and not when a node has the prefix as its name', () => {
    assert.deepEqual([...countGroups(LAB.nodes)], [['worker', ['worker-1', 'worker-2']]]);
    const lab = [...LAB.nodes, { name: 'worker', machineName: 'demo-worker', ip: '192.168.56.20', roles: ['worker' as const] }];
    assert.deepEqual([...countGroups(lab)], []);
  });

  test('an unknown name is an input error that lists what may be chosen', () => {
    for (const bad of ['nope', 'cp,nope', 'cp,', '']) {
      assert.throws(
        () => resolveSelector(nodes, bad, '--from'),
        (error: unknown) =>
          error instanceof FaultInputError &&
          error.exitCode === 2 &&
          /^--from: /.test(error.message) &&
          error.hint === 'choose from nodes: etcd, cp, worker-1, worker-2; roles: etcd, controlplane, worker; groups: worker; or all',
        bad,
      );
    }
    assert.throws(() => resolveSelectors(nodes, [], 'stop'), FaultInputError);
  });

  test('pairs: one direction with --one-way, both without, never a node with itself', () => {
    assert.deepEqual(networkPairs(['worker-1'], ['cp'], true), [['worker-1', 'cp']]);
    assert.deepEqual(networkPairs(['worker-1'], ['cp'], false), [
      ['worker-1', 'cp'],
      ['cp', 'worker-1'],
    ]);
    assert.deepEqual(networkPairs(['worker-1', 'worker-2'], ['worker-1', 'worker-2'], true), [
      ['worker-1', 'worker-2'],
      ['worker-2', 'worker-1'],
    ]);
    assert.deepEqual(networkPairs(['cp'], ['cp'], false), []);
  });
});

/** The reasons of the clashes, for readable assertions. */
const findConflicts = (candidate: FaultRecord, active: FaultRecord[]): string[] => conflictsOf(candidate, active).map((c) => c.reason);

describe('fault records and conflicts', () => {
  const partition = (from: string[], to: string[], oneWay: boolean, id = 1): FaultRecord => record({ kind: 'partition', from, to, oneWay }, id);

  test('a record has the next id, the involved nodes as targets, its pairs and its expiry', () => {
    const r = record({ kind: 'loss', percent: 30, from: ['worker-1', 'worker-2'], to: ['cp'], oneWay: true }, 7, 30_000);
    assert.equal(r.id, 'f7');
    assert.deepEqual(r.targets, ['cp', 'worker-1', 'worker-2']);
    assert.deepEqual(r.pairs, [
      ['worker-1', 'cp'],
      ['worker-2', 'cp'],
    ]);
    assert.equal(r.injectedAt, '2026-01-01T00:00:00.000Z');
    assert.equal(r.expiresAt, '2026-01-01T00:00:30.000Z');
    assert.equal(record({ kind: 'freeze', nodes: ['cp'] }).expiresAt, undefined);
  });

  test('a network fault between a node and itself is refused', () => {
    assert.throws(
      () => partition(['cp'], ['cp'], false),
      (e: unknown) => e instanceof FaultInputError && /leave no traffic between two different nodes/.test(e.message),
    );
  });

  test('network faults clash on a common direction only', () => {
    const active = [partition(['worker-1'], ['cp'], true, 1)];
    assert.deepEqual(findConflicts(partition(['cp'], ['worker-1'], true, 2), active), []);
    assert.deepEqual(findConflicts(partition(['worker-2'], ['cp'], false, 2), active), []);
    assert.deepEqual(findConflicts(partition(['worker-1', 'worker-2'], ['cp'], false, 2), active), [
      'worker-1 -> cp already has f1 (partition worker-1 -> cp)',
    ]);
    const loss = record({ kind: 'loss', percent: 5, from: ['cp'], to: ['worker-1'], oneWay: false }, 3);
    assert.equal(findConflicts(loss, active).length, 1, 'any network kind on the same direction');
  });

  test('network faults narrowed to different ports do not clash; one without a port clashes with any', () => {
    const peer = record({ kind: 'partition', from: ['etcd'], to: ['cp'], oneWay: true, port: 2380 }, 1);
    assert.deepEqual(findConflicts(record({ kind: 'partition', from: ['etcd'], to: ['cp'], oneWay: true, port: 2379 }, 2), [peer]), []);
    assert.equal(findConflicts(record({ kind: 'partition', from: ['etcd'], to: ['cp'], oneWay: true, port: 2380 }, 2), [peer]).length, 1);
    assert.equal(findConflicts(record({ kind: 'loss', percent: 5, from: ['etcd'], to: ['cp'], oneWay: true }, 2), [peer]).length, 1);
  });

  test('the same kind twice on a node clashes; different kinds do not', () => {
    const fill = record({ kind: 'disk-fill', percent: 80, path: '/', maxBytes: 1, nodes: ['cp'] }, 1);
    assert.equal(findConflicts(record({ kind: 'disk-fill', percent: 90, path: '/var', maxBytes: 1, nodes: ['cp', 'etcd'] }, 2), [fill]).length, 1);
    assert.deepEqual(findConflicts(record({ kind: 'cpu-hog', cpus: 1, nodes: ['cp'] }, 2), [fill]), []);
    assert.deepEqual(findConflicts(record({ kind: 'disk-fill', percent: 90, path: '/', maxBytes: 1, nodes: ['etcd'] }, 2), [fill]), []);
  });

  test('a component clashes with itself on a node, kill and stop-component alike', () => {
    const kill = record({ kind: 'kill', component: 'kube-apiserver', nodes: ['cp'] }, 1);
    assert.deepEqual(findConflicts(record({ kind: 'stop-component', component: 'kube-apiserver', nodes: ['cp'] }, 2), [kill]), [
      'kube-apiserver on cp is already under f1 (kill kube-apiserver on cp)',
    ]);
    assert.deepEqual(findConflicts(record({ kind: 'kill', component: 'kube-scheduler', nodes: ['cp'] }, 2), [kill]), []);
  });

  test('a stopped, crashed or frozen node takes no other machine fault and nothing inside', () => {
    const freeze = record({ kind: 'freeze', nodes: ['worker-1', 'worker-2'] }, 1);
    assert.deepEqual(findConflicts(record({ kind: 'crash', nodes: ['worker-2'] }, 2), [freeze]), ['worker-2 is already under f1 (freeze worker-1, worker-2)']);
    assert.deepEqual(findConflicts(partition(['worker-1'], ['cp'], true, 2), [freeze]), [
      'worker-1 cannot be reached inside: f1 (freeze worker-1, worker-2) is active',
    ]);
    assert.deepEqual(findConflicts(record({ kind: 'crash', nodes: ['cp'] }, 2), [freeze]), []);
    // The other way round is allowed: crashing a partitioned node is a fine experiment.
    assert.deepEqual(findConflicts(record({ kind: 'crash', nodes: ['cp'] }, 2), [partition(['worker-1'], ['cp'], false, 1)]), []);
  });

  test('descriptions and the list table', () => {
    assert.equal(describeFault(record({ kind: 'bandwidth', rateBits: 1e6, from: ['worker-1'], to: ['cp'], oneWay: true })), 'bandwidth 1mbit worker-1 -> cp');
    assert.equal(
      describeFault(record({ kind: 'delay', ms: 100, from: ['worker-1', 'worker-2'], to: ['cp'], oneWay: false })),
      'delay 100ms worker-1,worker-2 <-> cp',
    );
    assert.equal(describeFault(record({ kind: 'mem-hog', bytes: 512 * 1024 ** 2, nodes: ['cp'] })), 'mem-hog 512MiB on cp');
    assert.equal(describeFault(record({ kind: 'cpu-hog', cpus: undefined, nodes: ['cp'] })), 'cpu-hog all CPUs on cp');
    assert.equal(describeFault(record({ kind: 'disk-fill', percent: 90, path: '/var', maxBytes: 1, nodes: ['cp'] })), 'disk-fill /var to 90% on cp');
    const table = formatFaultTable(
      [record({ kind: 'freeze', nodes: ['cp'] }, 1), record({ kind: 'crash', nodes: ['etcd'] }, 2, 60_000)],
      new Date(NOW.getTime() + 15_000),
    );
    assert.equal(
      table,
      ['ID  FAULT       NODES  SINCE    UNDONE', 'f1  freeze cp   cp     15s ago  by hand', 'f2  crash etcd  etcd   15s ago  in 45s'].join('\n'),
    );
    assert.equal(formatFaultTable([]), 'no active faults');
  });
});
