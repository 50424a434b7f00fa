import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually } from '../../support/fault-lab.js';
import type { KitCluster } from './lab.js';

/** How the cluster recovers from faults done straight with `kubelab fault`, as a person would. */
export function recovery(lab: KitCluster): void {
  const kubectl = (...args: string[]) => lab.kubelab('kubectl', ...args);
  const nodeReady = async (node: string): Promise<string> =>
    (await kubectl('get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')).stdout.trim();

  describe('the cluster recovers from faults', () => {
    test('kill kube-apiserver: the API refuses, then comes back by itself', async () => {
      const killed = await lab.kubelab('fault', 'kill', 'kube-apiserver', '--node', 'cp');
      assert.equal(killed.exitCode, 0, killed.all);
      const down = await kubectl('get', '--raw', '/readyz', '--request-timeout=3s');
      assert.notEqual(down.exitCode, 0, 'the API answered right after its server was killed');
      await eventually(
        'the API server to come back',
        async () => (await kubectl('get', '--raw', '/readyz', '--request-timeout=3s')).stdout.trim() === 'ok',
        120_000,
      );
      const cleared = await lab.kubelab('fault', 'clear');
      assert.equal(cleared.exitCode, 0, cleared.all);
    });

    test('stop a worker: Kubernetes marks it NotReady, and start brings it back to Ready', async () => {
      const stopped = await lab.kubelab('fault', 'stop', 'worker-2');
      assert.equal(stopped.exitCode, 0, stopped.all);
      // RKE's node-monitor-grace-period is 40 s.
      await eventually('worker-2 to turn NotReady', async () => ['False', 'Unknown'].includes(await nodeReady('worker-2')), 150_000);
      assert.equal(await nodeReady('worker-1'), 'True');
      const started = await lab.kubelab('fault', 'start', 'worker-2');
      assert.equal(started.exitCode, 0, started.all);
      await eventually('worker-2 to be Ready again', async () => (await nodeReady('worker-2')) === 'True', 240_000);
    });
  });
}
