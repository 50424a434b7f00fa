import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { processAlive } from '../../../src/exec/processes.js';
import { mustRun } from '../../support/tools.js';
import { diskUsage, storeDir } from '../../../src/host-services/storage.js';
import { readJournal } from '../../../src/lab/journal.js';
import { destroyAndAssertClean } from '../../support/docker-lab.js';
import { eventually, recordedFaults } from '../../support/fault-lab.js';
import { manifestRequests, registryLog } from './host-services.js';
import { HA_NODES, HA_SPEC } from './ha-endpoint.js';
import { CIDR, NAME, NODES, SPEC, type KitCluster } from './lab.js';
import { snapshotVolumes } from './snapshots.js';

/** The subnet's prefix, as the lab's Docker network names and addresses show it. */
const SUBNET = `${CIDR.split('.').slice(0, 3).join('.')}.`;

/**
 * The end of the shared lab: apply converges on it, destroy takes everything with it (machines,
 * snapshots, active faults and their timers, the services on the host) and keeps what outlives a
 * lab (the journal, the shared stores), and a new lab is served from those stores.
 */
export function lifecycle(lab: KitCluster): void {
  describe('apply again, destroy, and a new lab from the stores', () => {
    test('apply again converges on the running cluster', async () => {
      const result = await lab.kubelab('apply');
      assert.equal(result.exitCode, 0, result.all);
      assert.match(result.all, /all 5 Ready/);
    });

    test('destroy clears the active faults and ends their timers, removes the snapshots, stops the services and keeps their stores and the journal, and leaves no container, network or volume behind', async () => {
      const inject = async (...args: string[]): Promise<void> => {
        const result = await lab.kubelab('fault', ...args);
        assert.equal(result.exitCode, 0, result.all);
      };
      await inject('freeze', 'worker-1');
      await inject('partition', '--from', 'cp', '--to', 'worker-2', '--for', '10m');
      const timer = (await recordedFaults(lab.outDir)).find((f) => f.timerPid)!.timerPid!;
      assert.ok(processAlive(timer));
      const registryStore = storeDir('registry');
      const storedBefore = await diskUsage(registryStore);
      assert.ok(lab.snapshotVolumesLeft.length > 0, 'the snapshot tests left a snapshot for destroy');

      const result = await destroyAndAssertClean(lab.dir, NAME, Object.keys(NODES).length, SUBNET);

      // The faults went with the machines.
      assert.match(result.stderr, /cleared the active faults f[0-9]+, f[0-9]+/);
      await eventually('the timer to end', async () => !processAlive(timer), 5000);
      assert.ok(!(await fs.pathExists(path.join(lab.outDir, '.kubelab'))));
      const journal = await readJournal(lab.outDir);
      assert.deepEqual(
        journal.slice(-2).map((e) => [e.action, e.kind, e.message]),
        [
          ['clear', 'freeze', 'the lab was destroyed'],
          ['clear', 'partition', 'the lab was destroyed'],
        ],
      );
      assert.ok(
        journal.every((e) => e.result === 'ok' || e.action === 'inject'),
        'every undo worked',
      );
      // The snapshots fit these machines only: they went with them.
      assert.deepEqual(
        (await snapshotVolumes()).filter((v) => lab.snapshotVolumesLeft.includes(v)),
        [],
      );
      // The services stopped, asked of the process table, not the network: the lab's address is gone with its network.
      assert.match(result.all, /stopped the lab registry, the pull-through cache, the package cache on the host/);
      const programs = await mustRun('ps', ['-eo', 'args']);
      assert.deepEqual(
        programs.split('\n').filter((l) => l.includes(lab.outDir)),
        [],
      );
      assert.equal(await diskUsage(registryStore), storedBefore);
      for (const gone of ['.vagrant', 'kube_config_cluster.yml', 'cluster.rkestate']) assert.ok(!(await fs.pathExists(path.join(lab.outDir, gone))), gone);
    });

    test('a new lab is served from the stores the last one left: nothing pushed again, every node pulls from the registry', async () => {
      // The new lab is the production-shaped one the next section studies (ha-endpoint.ts): three
      // controlplane nodes behind the lab's API endpoint, and a worker. The upstream stays stopped:
      // the pull-through cache starts only with it, so it is left out now.
      assert.notEqual(HA_SPEC, SPEC);
      await fs.writeFile(lab.spec, HA_SPEC);
      const again = await lab.kubelab('apply', '--jobs', '3');
      assert.equal(again.exitCode, 0, again.all);
      assert.match(again.all, /\[host\] registry: 0 image\(s\) pushed, \d+ already there/);
      assert.doesNotMatch(again.all, /pushing /);
      assert.match(again.all, /all 4 Ready/);
      const pulls = (await manifestRequests(registryLog(lab))).filter((r) => r.status === 200);
      for (const node of ['cp-1', 'cp-2', 'cp-3', 'worker'] as const) {
        assert.ok(
          pulls.some((p) => p.client === HA_NODES[node] && p.path.startsWith('/v2/kubelab/')),
          `${node} pulled from the registry`,
        );
      }
      const nodes = await lab.kubelab('kubectl', 'get', 'nodes', '--no-headers');
      assert.equal(nodes.stdout.split('\n').filter((l) => / Ready /.test(l)).length, 4, nodes.all);
    });
  });
}
