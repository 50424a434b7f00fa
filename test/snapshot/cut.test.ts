/**
 * The order of a snapshot's machine steps, which is what keeps etcd consistent: no machine is saved
 * or restored while another runs, and none starts before all are restored. The provider here only
 * records the calls; the real providers run in test/e2e/kit-cluster/snapshots.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MachineSnapshots, SnapshotTarget } from '../../src/providers/driver.js';
import { restoreCut, saveCut } from '../../src/snapshot/cut.js';

function recordingProvider(failOn?: 'save' | 'restore'): { provider: MachineSnapshots; calls: string[] } {
  const calls: string[] = [];
  const provider: MachineSnapshots = {
    diesWithMachines: false,
    check: async () => [],
    stopAll: async (_t, purpose) => void calls.push(`stop:${purpose}`),
    save: async (_t, name) => {
      calls.push(`save:${name}`);
      if (failOn === 'save') throw new Error('disk full');
      return { bytes: 42 };
    },
    restore: async (_t, name) => {
      calls.push(`restore:${name}`);
      if (failOn === 'restore') throw new Error('disk full');
    },
    startAll: async () => void calls.push('start'),
    has: async () => true,
    remove: async () => undefined,
  };
  return { provider, calls };
}

const target: SnapshotTarget = {
  outDir: '/lab',
  machines: ['a', 'b', 'c'].map((node) => ({ node, id: `id-${node}`, outDir: '/lab' })),
};
const quiet = { log: () => undefined };

describe('snapshot cut', () => {
  test('save: every machine stops, then all are saved, then all start', async () => {
    const { provider, calls } = recordingProvider();
    const result = await saveCut(provider, target, 'base', quiet);
    assert.deepEqual(calls, ['stop:save', 'save:base', 'start']);
    assert.equal(result.bytes, 42);
  });

  test('a failed save still starts the machines, whose state it did not touch, and fails', async () => {
    const { provider, calls } = recordingProvider('save');
    await assert.rejects(saveCut(provider, target, 'base', quiet), /disk full/);
    assert.deepEqual(calls, ['stop:save', 'save:base', 'start']);
  });

  test("restore: all stop, all are restored, the host's files go back, then all start", async () => {
    const { provider, calls } = recordingProvider();
    await restoreCut(provider, target, 'base', { ...quiet, beforeStart: async () => void calls.push('host files') });
    assert.deepEqual(calls, ['stop:restore', 'restore:base', 'host files', 'start']);
  });

  test('a failed restore starts no machine: etcd members from two moments must never run together', async () => {
    const { provider, calls } = recordingProvider('restore');
    await assert.rejects(restoreCut(provider, target, 'base', { ...quiet, beforeStart: async () => void calls.push('host files') }), /disk full/);
    assert.deepEqual(calls, ['stop:restore', 'restore:base']);
  });
});
