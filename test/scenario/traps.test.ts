import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LabAccess } from '../../src/fault/types.js';
import { knownTraps } from '../../src/scenario/traps.js';
import type { TimedObservation } from '../../src/scenario/types.js';

const lab = (names: string[]): LabAccess => ({
  name: 'lab',
  provider: 'docker',
  sshUser: 'vagrant',
  sshKey: 'key',
  interface: 'eth1',
  nodes: names.map((name, i) => ({ name, machineName: `lab-${name}`, ip: `10.0.0.${i + 10}`, roles: ['worker'] })),
});
const ready = (t: number, node: string, status: 'True' | 'False' | 'Unknown'): TimedObservation => ({
  type: 'node-ready',
  node,
  status,
  t,
  at: new Date(t).toISOString(),
});

const lease = (t: number, holder: string, process: string): TimedObservation => ({
  type: 'leader-lease',
  lease: 'kube-controller-manager',
  holder,
  process,
  t,
  at: new Date(t).toISOString(),
});
const step = (t: number): TimedObservation => ({ type: 'step', step: 'crash', phase: 'start', text: 'fault crash', t, at: new Date(t).toISOString() });

describe("the node-lifecycle controller's traps", () => {
  test('kube-controller-manager leading anew after the steps began: a restart on its node and a move are said, the holder before the steps is not', () => {
    const p1 = '11111111-1111-1111-1111-111111111111';
    const p2 = '22222222-2222-2222-2222-222222222222';
    const timeline = [lease(1000, 'cp-1', p1), step(5000), lease(60_000, 'cp-1', p2), lease(90_000, 'cp-2', p1)];
    const notes = knownTraps(timeline, lab(['a']));
    assert.equal(notes.length, 1);
    assert.match(
      notes[0] ?? '',
      /^kube-controller-manager began leading anew after the steps began: at \+60\.0 s by a new process on cp-1; at \+90\.0 s by cp-2, from cp-1\. /,
    );
    assert.match(notes[0] ?? '', /the lab's failure/);
    // The same process all along, or a first look after the steps began: nothing to say.
    assert.deepEqual(knownTraps([lease(1000, 'cp-1', p1), step(5000), lease(60_000, 'cp-1', p1)], lab(['a'])), []);
    assert.deepEqual(knownTraps([step(0), lease(60_000, 'cp-1', p1)], lab(['a'])), []);
  });

  test('nothing to say when at most one node was down', () => {
    assert.deepEqual(knownTraps([ready(0, 'a', 'True'), ready(0, 'b', 'True'), ready(1, 'b', 'Unknown')], lab(['a', 'b', 'c'])), []);
  });

  test('2 of 3 NotReady is no partial disruption: more than 2 are needed, so evictions go on', () => {
    const notes = knownTraps([ready(0, 'a', 'True'), ready(1, 'b', 'Unknown'), ready(2, 'c', 'Unknown')], lab(['a', 'b', 'c']));
    assert.equal(notes.length, 1);
    assert.match(notes[0] ?? '', /^2 of 3 nodes were NotReady at once; partial disruption needs more than 2 NotReady nodes/);
  });

  test('3 of 4 NotReady is partial disruption', () => {
    const notes = knownTraps([ready(0, 'a', 'True'), ready(1, 'b', 'False'), ready(1, 'c', 'False'), ready(1, 'd', 'False')], lab(['a', 'b', 'c', 'd']));
    assert.match(notes[0] ?? '', /^3 of 4 nodes \(75%\) were NotReady at once: more than 2 and at least 55%/);
  });

  test('every node NotReady: full disruption, and the controller evicts nothing', () => {
    const notes = knownTraps([ready(0, 'a', 'Unknown'), ready(0, 'b', 'Unknown')], lab(['a', 'b']));
    assert.match(notes[0] ?? '', /^Every node was NotReady at once: .* evicts nothing until some node is Ready again\.$/);
  });
});
