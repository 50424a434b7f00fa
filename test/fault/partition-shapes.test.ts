/**
 * Named partitions: each shape's groups and the directions they cut, checked pair by pair against
 * what the shape promises (Jepsen's definitions), and the refusals before anything changes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeFault } from '../../src/fault/describe.js';
import { FaultInputError } from '../../src/fault/errors.js';
import { kindCommand } from '../../src/fault/families/index.js';
import type { CliValues } from '../../src/fault/family.js';
import { cutShape, shapePairs, type ShapeName } from '../../src/fault/partition-shapes.js';
import { LAB, record } from '../support/fault-fixtures.js';

const FIVE = ['n1', 'n2', 'n3', 'n4', 'n5'];

/** Whether a can still send to b under the cut. */
const reaches = (pairs: [string, string][], a: string, b: string): boolean => !pairs.some(([s, r]) => s === a && r === b);

function cut(name: ShapeName, nodes: string[], node?: string, oneWay = false) {
  const shape = cutShape(name, nodes, node, oneWay);
  return { groups: shape.groups, pairs: shapePairs(shape, oneWay) };
}

describe('partition shapes', () => {
  test('halves: the first half (rounded down) is cut from the rest, both ways, or one way with --one-way', () => {
    const { groups, pairs } = cut('halves', FIVE);
    assert.deepEqual(groups, [
      ['n1', 'n2'],
      ['n3', 'n4', 'n5'],
    ]);
    assert.equal(pairs.length, 2 * 3 * 2);
    for (const a of FIVE)
      for (const b of FIVE) if (a !== b) assert.equal(reaches(pairs, a, b), groups[0]!.includes(a) === groups[0]!.includes(b), `${a} -> ${b}`);
    const oneWay = cut('halves', FIVE, undefined, true).pairs;
    assert.ok(!reaches(oneWay, 'n1', 'n3') && reaches(oneWay, 'n3', 'n1'), 'only the minority’s traffic is dropped');
  });

  test('isolate: the node named alone, every other node together', () => {
    const { groups, pairs } = cut('isolate', FIVE, 'n3');
    assert.deepEqual(groups, [['n3'], ['n1', 'n2', 'n4', 'n5']]);
    for (const a of FIVE) for (const b of FIVE) if (a !== b) assert.equal(reaches(pairs, a, b), a !== 'n3' && b !== 'n3', `${a} -> ${b}`);
  });

  test('bridge: two halves that cannot reach each other, and the middle node reaching both', () => {
    const { groups, pairs } = cut('bridge', FIVE);
    assert.deepEqual(groups, [['n1', 'n2'], ['n3'], ['n4', 'n5']]);
    for (const a of FIVE) {
      for (const b of FIVE) {
        if (a === b) continue;
        const across = (groups[0]!.includes(a) && groups[2]!.includes(b)) || (groups[2]!.includes(a) && groups[0]!.includes(b));
        assert.equal(reaches(pairs, a, b), !across, `${a} -> ${b}`);
      }
    }
    assert.deepEqual(cut('bridge', ['a', 'b', 'c']).groups, [['a'], ['b'], ['c']]);
  });

  test('majorities-ring: every node sees a majority (itself included), no two the same one, for 4 to 9 nodes', () => {
    for (let n = 4; n <= 9; n++) {
      const nodes = Array.from({ length: n }, (_, i) => `n${i + 1}`);
      const { pairs } = cut('majorities-ring', nodes);
      assert.ok(pairs.length > 0, `${n} nodes: something is cut`);
      // Symmetric: what a cannot send to b, b cannot send to a.
      for (const [a, b] of pairs) assert.ok(!reaches(pairs, b, a), `${n} nodes: ${a} and ${b} cut one way only`);
      const seen = nodes.map((a) => [a, ...nodes.filter((b) => b !== a && reaches(pairs, a, b))].sort().join(','));
      for (const [i, view] of seen.entries()) assert.ok(view.split(',').length > n / 2, `${n} nodes: ${nodes[i]} sees ${view}, no majority`);
      assert.equal(new Set(seen).size, n, `${n} nodes: two nodes see the same majority: ${seen.join(' / ')}`);
    }
  });

  test('a shape the nodes cannot make is refused, with the reason', () => {
    const refused = (f: () => unknown, message: RegExp) => assert.throws(f, (e: unknown) => e instanceof FaultInputError && message.test(e.message));
    refused(() => cut('majorities-ring', ['a', 'b', 'c']), /^--shape majorities-ring needs at least 4 nodes; only a,b,c are partitioned$/);
    refused(() => cut('bridge', ['a', 'b']), /needs at least 3 nodes/);
    refused(() => cut('halves', ['a']), /needs at least 2 nodes; only a is partitioned/);
    refused(() => cut('isolate', FIVE), /needs --node/);
    refused(() => cut('isolate', FIVE, 'x'), /--node x is not among the nodes partitioned/);
    refused(() => cut('bridge', FIVE, undefined, true), /--one-way means nothing to --shape bridge/);
    refused(() => cut('halves', FIVE, 'n1'), /--node is for --shape isolate, not halves/);
  });

  test('kubelab fault partition --shape: read from the command line, recorded with its groups, listed as them', async () => {
    const partition = kindCommand('partition')!.command;
    const parse = (values: CliValues) => partition.parse({ 'one-way': false, ...values }, LAB);
    // By default among the Kubernetes nodes, in the lab's order.
    const halves = record(parse({ shape: 'halves' }));
    assert.deepEqual(halves.params, {
      kind: 'partition',
      shape: {
        name: 'halves',
        groups: [
          ['etcd', 'cp'],
          ['worker-1', 'worker-2'],
        ],
      },
      oneWay: false,
    });
    assert.equal(halves.pairs?.length, 8);
    assert.equal(describeFault(halves), 'partition halves etcd,cp | worker-1,worker-2');
    const isolated = record(parse({ shape: 'isolate', node: 'cp', port: 'kube-apiserver', 'one-way': true }));
    assert.equal(describeFault(isolated), 'partition isolate cp | etcd,worker-1,worker-2 (one way, from the first group) port 6443');
    assert.deepEqual(isolated.pairs, [
      ['cp', 'etcd'],
      ['cp', 'worker-1'],
      ['cp', 'worker-2'],
    ]);
    const ring = record(parse({ shape: 'majorities-ring' }));
    assert.equal(
      describeFault(ring),
      'partition majorities-ring etcd sees cp,worker-2; cp sees etcd,worker-1; worker-1 sees cp,worker-2; worker-2 sees etcd,worker-1',
    );
    assert.equal(describeFault(record(parse({ shape: 'bridge', among: 'etcd,cp,worker' }))), 'partition bridge etcd | cp (bridge) | worker-1,worker-2');

    // The etcd leader, found as the fault starts (the command's resolve asks the cluster), and recorded as such.
    const resolve = partition.resolve!;
    const leaderValues = await resolve({ 'one-way': false, shape: 'isolate', node: 'etcd-leader' }, { etcdLeader: async () => 'cp' });
    const leader = record(partition.parse(leaderValues, LAB));
    assert.equal(describeFault(leader), "partition isolate etcd's leader cp | etcd,worker-1,worker-2");
    assert.deepEqual(await resolve({ from: 'cp', to: 'etcd' }, { etcdLeader: () => Promise.reject(new Error('not asked')) }), { from: 'cp', to: 'etcd' });
    assert.throws(() => parse({ shape: 'isolate', node: 'etcd-leader' }), /--node etcd-leader is found as the fault starts, on the command line/);

    const refused = (values: CliValues, message: RegExp) =>
      assert.throws(
        () => parse(values),
        (e: unknown) => e instanceof FaultInputError && message.test(e.message),
        JSON.stringify(values),
      );
    refused({ shape: 'halves', from: 'cp', to: 'etcd' }, /^--shape says where to cut: --from and --to do not go with it$/);
    refused({ shape: 'circle' }, /^--shape: "circle" is no shape kubelab knows$/);
    refused({ shape: 'isolate', node: 'worker' }, /^--node worker names 2 nodes: worker-1, worker-2$/);
    refused({ shape: 'bridge', among: 'worker' }, /needs at least 3 nodes; only worker-1,worker-2 are partitioned/);
    refused({ from: 'cp' }, /^a partition needs --from and --to, or --shape$/);
    refused({ from: 'cp', to: 'etcd', among: 'all' }, /^--among goes with --shape$/);
    // Loss keeps its two sides: shapes are partitions'.
    assert.equal(kindCommand('loss')!.command.options?.shape, undefined);
  });
});
