import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computeLanes } from '../../../src/scenario/report/lanes.js';
import { loadReport, observed, reportWith } from '../../support/scenario-report.js';

describe('lanes of the worker power-loss report', () => {
  const lanes = computeLanes(loadReport());

  test('the run ends at endedAt, after the last observation', () => {
    assert.equal(lanes.endMs, 130_000);
  });

  test('each lab node gets its Ready intervals, in the lab order, from t=0 to the end', () => {
    assert.deepEqual(
      lanes.nodes.map((n) => n.node),
      ['cp', 'worker-1', 'worker-2'],
    );
    assert.deepEqual(lanes.nodes[0]!.ready, [{ from: 0, to: 130_000, value: 'True' }]);
    assert.deepEqual(lanes.nodes[1]!.ready, [
      { from: 0, to: 45_200, value: 'True' },
      { from: 45_200, to: 104_000, value: 'Unknown' },
      { from: 104_000, to: 110_000, value: 'False' },
      { from: 110_000, to: 130_000, value: 'True' },
    ]);
  });

  test('the power loss is one fault bar from its injection to its undo', () => {
    assert.deepEqual(lanes.faults, [{ id: 'f-7a2c', text: 'power loss (vagrant halt --force)', targets: ['worker-1'], from: 5200, to: 80_300, undone: true }]);
  });

  test('the API is down from the first failed probe to the first good one, not at the repeated failure', () => {
    assert.equal(lanes.api.length, 1);
    assert.deepEqual({ ...lanes.api[0]!, error: undefined }, { from: 0, to: 2000, ended: true, error: undefined });
    assert.match(lanes.api[0]!.error ?? '', /connection refused/);
  });

  test('a stable etcd leader is one interval and no change', () => {
    assert.deepEqual(lanes.etcd, { leaders: [{ from: 0, to: 130_000, value: 'cp' }], changes: [] });
  });

  test('steps are marked where they were done; a failed step is not', () => {
    assert.deepEqual(
      lanes.steps.map((s) => [s.step, s.t]),
      [
        ['crash', 5800],
        ['notready', 45_200],
        ['tainted', 45_300],
        ['moved', 77_600],
        ['start', 81_000],
        ['ready', 110_000],
      ],
    );
  });
});

describe('lanes of made-up timelines', () => {
  test('the first status seen counts from t=0; an unsorted timeline is read in time order; an unseen node has no intervals', () => {
    const lanes = computeLanes(
      reportWith([
        observed(30_000, { type: 'node-ready', node: 'a', status: 'True' }),
        observed(12_000, { type: 'node-ready', node: 'a', status: 'False' }),
        observed(20_000, { type: 'node-ready', node: 'a', status: 'False' }),
      ]),
    );
    assert.deepEqual(lanes.nodes[0]!.ready, [
      { from: 0, to: 30_000, value: 'False' },
      { from: 30_000, to: 60_000, value: 'True' },
    ]);
    assert.deepEqual(lanes.nodes[1]!.ready, []);
  });

  test('a fault never undone runs to the end; an undo is paired by id; an undo of nothing is ignored', () => {
    const inject = (t: number, id: string) => observed(t, { type: 'fault', action: 'inject', id, text: `fault ${id}`, targets: ['b'] });
    const undo = (t: number, id: string) => observed(t, { type: 'fault', action: 'undo', id, text: `fault ${id}`, targets: ['b'] });
    const lanes = computeLanes(reportWith([inject(1000, 'x'), inject(2000, 'y'), undo(3000, 'x'), undo(4000, 'z'), inject(5000, 'x'), undo(6000, 'x')]));
    assert.deepEqual(
      lanes.faults.map((f) => [f.id, f.from, f.to, f.undone]),
      [
        ['x', 1000, 3000, true],
        ['y', 2000, 60_000, false],
        ['x', 5000, 6000, true],
      ],
    );
  });

  test('an outage still going at the end runs to the end, and the end is the last observation when endedAt is earlier', () => {
    const lanes = computeLanes(
      reportWith(
        [observed(0, { type: 'api', up: true }), observed(10_000, { type: 'api', up: false, error: 'refused' }), observed(70_000, { type: 'api', up: false })],
        50_000,
      ),
    );
    assert.equal(lanes.endMs, 70_000);
    assert.deepEqual(lanes.api, [{ from: 10_000, to: 70_000, ended: false, error: 'refused' }]);
  });

  test('etcd: a spell without a leader is its own interval; only a different leader than the last known one is a change', () => {
    const etcd = (t: number, leader: string | null) => observed(t, { type: 'etcd', leader, term: null, healthy: [], unhealthy: [] });
    const lanes = computeLanes(reportWith([etcd(0, 'a'), etcd(5000, null), etcd(8000, 'a'), etcd(20_000, null), etcd(26_000, 'b'), etcd(30_000, 'b')]));
    assert.deepEqual(lanes.etcd.leaders, [
      { from: 0, to: 5000, value: 'a' },
      { from: 5000, to: 8000, value: null },
      { from: 8000, to: 20_000, value: 'a' },
      { from: 20_000, to: 26_000, value: null },
      { from: 26_000, to: 60_000, value: 'b' },
    ]);
    assert.deepEqual(lanes.etcd.changes, [{ t: 26_000, previous: 'a', leader: 'b' }]);
  });
});
