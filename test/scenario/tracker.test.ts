import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Timeline } from '../../src/scenario/timeline.js';
import { ConditionTracker } from '../../src/scenario/tracker.js';
import type { Observation } from '../../src/scenario/types.js';
import { tempDir } from '../support/tmp.js';

/** A timeline whose clock the test moves. */
async function fixture(replicas = 2) {
  let now = 1_000_000;
  const journal = path.join(await tempDir('tracker'), 'journal.jsonl');
  const timeline = new Timeline(journal, () => now);
  const tracker = new ConditionTracker(timeline, { name: 't', title: 'T', description: 'd', steps: [], workload: { replicas } });
  const at = (t: number, o: Observation) => {
    now = 1_000_000 + t;
    timeline.record(o);
  };
  const wait = (condition: Parameters<ConditionTracker['waitFor']>[0], timeoutMs = 50) =>
    tracker.waitFor(condition, { timeoutMs, notBefore: 0, signal: new AbortController().signal });
  return { timeline, tracker, at, wait, journal };
}

describe('waiting for conditions on the observed cluster', () => {
  test('a wait is satisfied at the moment its condition became true, even before the wait began', async () => {
    const { at, wait } = await fixture();
    at(100, { type: 'node-ready', node: 'w', status: 'True' });
    at(5_000, { type: 'node-ready', node: 'w', status: 'Unknown' });
    at(5_000, { type: 'node-taint', node: 'w', key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', present: true });
    at(9_000, { type: 'api', up: true });
    assert.equal(await wait({ node: 'w', ready: false }), 5_000);
    assert.equal(await wait({ node: 'w', taint: 'node.kubernetes.io/unreachable' }), 5_000);
  });

  test('a condition that turns false and true again counts from its latest turn', async () => {
    const { at, wait } = await fixture();
    at(100, { type: 'node-ready', node: 'w', status: 'True' });
    at(2_000, { type: 'node-ready', node: 'w', status: 'False' });
    const pending = wait({ node: 'w', ready: true }, 1_000);
    at(7_000, { type: 'node-ready', node: 'w', status: 'True' });
    assert.equal(await pending, 7_000);
  });

  test('a wait that never sees its condition gives up after its timeout', async () => {
    const { wait } = await fixture();
    assert.equal(await wait({ api: 'down' }, 30), null);
  });

  test('pods Terminating on a lost node do not count: the workload has moved off once replacements are Ready elsewhere', async () => {
    const { at, wait } = await fixture(2);
    at(0, { type: 'pod', pod: 'a', node: 'w2', phase: 'Running', ready: true, deleted: false });
    at(0, { type: 'pod', pod: 'b', node: 'w1', phase: 'Running', ready: true, deleted: false });
    at(30_000, { type: 'pod', pod: 'a', node: 'w2', phase: 'Terminating', ready: false, deleted: false });
    at(31_000, { type: 'pod', pod: 'c', node: 'w1', phase: 'Pending', ready: false, deleted: false });
    at(34_000, { type: 'pod', pod: 'c', node: 'w1', phase: 'Running', ready: true, deleted: false });
    assert.equal(await wait({ workload: 'moved-off', node: 'w2' }), 34_000);
  });

  test('a new etcd leader is one of a later term than when the steps began, even the same member', async () => {
    const { at, tracker, wait } = await fixture();
    at(0, { type: 'etcd', leader: 'cp', term: 2, healthy: ['cp'], unhealthy: [] });
    tracker.stepsBegin();
    at(1_000, { type: 'etcd', leader: null, term: 2, healthy: [], unhealthy: ['cp'] });
    at(6_000, { type: 'etcd', leader: 'cp', term: 3, healthy: ['cp'], unhealthy: [] });
    assert.equal(await wait({ etcd: 'new-leader' }), 6_000);
  });

  test('the API through the endpoint and each API server asked directly are told apart', async () => {
    const { at, wait } = await fixture();
    at(0, { type: 'api', up: true });
    at(0, { type: 'api', up: true, server: 'cp-1' });
    at(2_000, { type: 'api', up: false, error: 'no answer in 2000 ms', server: 'cp-1' });
    assert.equal(await wait({ api: 'down', server: 'cp-1' }), 2_000);
    assert.equal(await wait({ api: 'down' }), null, 'the clients kept the API');
    assert.equal(await wait({ api: 'up', server: 'cp-2' }), null, 'never asked: not up');
  });

  test('a leader lease moved is one held by another node than when the steps began', async () => {
    const { at, tracker, wait } = await fixture();
    at(0, { type: 'leader-lease', lease: 'kube-controller-manager', holder: 'cp-2' });
    tracker.stepsBegin();
    assert.equal(await wait({ lease: 'kube-controller-manager', moved: false }), 0);
    assert.equal(await wait({ lease: 'kube-controller-manager', holder: 'cp-2' }), 0);
    assert.equal(await wait({ lease: 'kube-scheduler', held: true }), null, 'never seen: not held');
    at(17_000, { type: 'leader-lease', lease: 'kube-controller-manager', holder: 'cp-3' });
    assert.equal(await wait({ lease: 'kube-controller-manager', moved: true }), 17_000);
  });

  /** The API up at 0, then down over each [from, to] (to null: to the end). */
  const outages = (at: (t: number, o: Observation) => void, spans: [number, number | null][]): void => {
    at(0, { type: 'api', up: true });
    for (const [from, to] of spans) {
      at(from, { type: 'api', up: false, error: 'x' });
      if (to !== null) at(to, { type: 'api', up: true });
    }
  };
  /** The API down 1–3 s, 10–15 s, and from 20 s on. */
  const threeOutages = (at: (t: number, o: Observation) => void): void =>
    outages(at, [
      [1_000, 3_000],
      [10_000, 15_000],
      [20_000, null],
    ]);

  test('the longest stretch a condition held between two moments: clipped to them, 0 when it never held', async () => {
    const { at, tracker } = await fixture();
    threeOutages(at);
    assert.equal(tracker.longestHeld({ api: 'down' }, 0, 30_000), 10_000, 'the last outage lasts to the end of the span');
    assert.equal(tracker.longestHeld({ api: 'down' }, 0, 18_000), 5_000);
    assert.equal(tracker.longestHeld({ api: 'down' }, 2_000, 9_000), 1_000, 'an outage that began before the span counts from its start');
    assert.equal(tracker.longestHeld({ api: 'down' }, 4_000, 9_000), 0);
  });

  test('the span of a condition: from the first moment it held between two moments to the last, 0 when it never held', async () => {
    const { at, tracker } = await fixture();
    threeOutages(at);
    assert.equal(tracker.spanHeld({ api: 'down' }, 0, 18_000), 14_000, 'from 1 s to 15 s');
    assert.equal(tracker.spanHeld({ api: 'down' }, 0, 30_000), 29_000, 'the last outage lasts to the end');
    assert.equal(tracker.spanHeld({ api: 'down' }, 2_000, 12_000), 10_000, 'clipped to the moments');
    assert.equal(tracker.spanHeld({ api: 'down' }, 4_000, 9_000), 0);
  });

  test('a quiet of 10 s ends the span: one stray long after the others does not stretch it', async () => {
    const { at, tracker } = await fixture();
    outages(at, [
      [1_000, 2_000],
      [11_000, 12_000],
      [22_500, 23_000],
    ]);
    assert.equal(tracker.spanHeld({ api: 'down' }, 0, 30_000), 11_000, 'from 1 s to 12 s: 9 s of quiet keeps it, 10.5 s ends it');
    assert.equal(tracker.spanHeld({ api: 'down' }, 10_000, 30_000), 1_000, 'from 11 s to 12 s: the quiet before 22.5 s is 10.5 s');
  });

  test("the longest stretch goes by the observations' own times, not the order they were written in", async () => {
    const { at, timeline, tracker } = await fixture();
    at(0, { type: 'probe', probe: 'dns', ok: true });
    at(9_000, { type: 'probe', probe: 'dns', ok: true });
    // A lookup's failure read from its log after the success that followed it.
    timeline.record({ type: 'probe', probe: 'dns', ok: false, error: 'timeout' }, 1_000_000 + 3_000);
    assert.equal(tracker.longestHeld({ dns: 'fails' }, 0, 20_000), 6_000);
  });

  test('every node Ready, and a replica not Ready', async () => {
    const { at, wait } = await fixture(1);
    at(0, { type: 'node-ready', node: 'a', status: 'True' });
    at(0, { type: 'node-ready', node: 'b', status: 'True' });
    at(0, { type: 'pod', pod: 'p', node: 'b', phase: 'Running', ready: true, deleted: false });
    assert.equal(await wait({ nodes: 'ready' }), 0);
    assert.equal(await wait({ workload: 'not-ready' }), null);
    at(5_000, { type: 'node-ready', node: 'b', status: 'Unknown' });
    at(6_000, { type: 'pod', pod: 'p', node: 'b', phase: 'Running', ready: false, deleted: false });
    assert.equal(await wait({ nodes: 'not-ready' }), 5_000);
    assert.equal(await wait({ workload: 'not-ready' }), 6_000);
  });

  test('a kubelet renewed its lease: before the steps, a renewal after the lease as first seen; in them, one since they began', async () => {
    const { at, tracker, wait } = await fixture();
    // A node whose kubelet stopped reporting still reads Ready until the grace period runs out.
    at(0, { type: 'node-ready', node: 'w', status: 'True' });
    at(0, { type: 'node-lease', node: 'w', renewTime: '2026-12-06T23:57:00.000Z' });
    assert.equal(await wait({ node: 'w', renewed: true }), null);
    assert.equal(await wait({ node: 'w', renewed: false }), 0);
    at(9_000, { type: 'node-lease', node: 'w', renewTime: '2026-12-06T23:57:49.000Z' });
    assert.equal(await wait({ node: 'w', renewed: true }), 9_000);
    tracker.stepsBegin();
    assert.equal(await wait({ node: 'w', renewed: true }), null, 'not since the steps began');
    at(19_000, { type: 'node-lease', node: 'w', renewTime: '2026-12-06T23:57:59.000Z' });
    assert.equal(await wait({ node: 'w', renewed: true }), 19_000);
  });

  test('every observation is in the journal, one JSON line each, with its time', async () => {
    const { at, journal } = await fixture();
    at(1_500, { type: 'api', up: false, error: 'ECONNREFUSED' });
    const lines = (await import('node:fs')).readFileSync(journal, 'utf8').trim().split('\n');
    assert.deepEqual(JSON.parse(lines[0] ?? ''), { type: 'api', up: false, error: 'ECONNREFUSED', at: new Date(1_001_500).toISOString(), t: 1_500 });
  });
});
