import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { processAlive } from '../../../src/exec/processes.js';
import { mustRun } from '../../support/tools.js';
import { diskUsage, storeDir } from '../../../src/host-services/storage.js';
import { readJournal } from '../../../src/lab/journal.js';
import { destroyAndAssertClean, dockerLines, kubelab } from '../../support/docker-lab.js';
import { EXIT } from '../../../src/exit-codes.js';
import { countInotify } from '../../../src/host-check/readings.js';
import { eventually, recordedFaults } from '../../support/fault-lab.js';
import { manifestRequests, registryLog } from './host-services.js';
import { HA_EXAMPLE, HA_NODES } from './ha-endpoint.js';
import { CIDR, NAME, NODE_NAMES, NODES, SOURCES, SPEC, type KitCluster } from './lab.js';
import { readmeQuickStart } from '../../support/quick-start.js';
import { snapshotVolumes } from './snapshots.js';

/** The shared lab with a third worker. */
const GROWN_SPEC = SPEC.replace('count: 2\n    roles: [worker]', 'count: 3\n    roles: [worker]');
const INOTIFY_INSTANCES = '/proc/sys/fs/inotify/max_user_instances';

/** The subnet's prefix, as the lab's Docker network names and addresses show it. */
const SUBNET = `${CIDR.split('.').slice(0, 3).join('.')}.`;

/**
 * The end of the shared lab: it grows by a worker (after the host check refused it under a low
 * inotify limit) and shrinks again, destroy takes everything with it (machines, one the spec no longer names,
 * snapshots, active faults and their timers, the services on the host) and keeps what outlives a
 * lab (the journal, the shared stores), and a new lab is served from those stores.
 */
export function lifecycle(lab: KitCluster): void {
  describe('apply again, destroy, and a new lab from the stores', () => {
    test('a worker added: under a low inotify limit apply refuses before its machine starts, doctor says why and --fix lifts it; then one apply converges', async () => {
      await fs.writeFile(lab.spec, GROWN_SPEC);
      const original = (await fs.readFile(INOTIFY_INSTANCES, 'utf8')).trim();
      const used = (await countInotify(0))?.instances;
      assert.ok(used !== undefined, "root's inotify instances could not be counted");
      // Room for others (the running nodes' restarts) for these few seconds, not for a new node (17).
      await fs.writeFile(INOTIFY_INSTANCES, `${used + 10}\n`);
      try {
        const refused = await lab.kubelab('apply');
        assert.equal(refused.exitCode, EXIT.hostLimit, refused.all);
        assert.match(refused.stderr, new RegExp(`cannot hold lab ${NAME}'s 1 new machine; nothing was started`));
        assert.match(
          refused.stderr,
          /inotify-instances: 1 machine need about 17 instances \(17 per Kubernetes node\); the limit is \d+, \d+ in use: room for 0 nodes/,
        );
        assert.match(refused.stderr, /sudo sysctl -w fs\.inotify\.max_user_instances=\d+/);
        assert.match(refused.stderr, /sudo tee -a \/etc\/sysctl\.d\/90-kubelab\.conf/);
        assert.deepEqual(await dockerLines(['ps', '-a', '--filter', `name=^${NAME}-worker-3$`, '--format', '{{.Names}}']), [], 'no machine was made');

        const doctor = await lab.kubelab('doctor', '--json');
        assert.equal(doctor.exitCode, EXIT.hostLimit, doctor.all);
        const check = JSON.parse(doctor.stdout) as {
          toStart: string[];
          limits: { name: string; verdict: string; remedy?: { sysctl: string; value: number } }[];
        };
        assert.deepEqual(check.toStart, ['worker-3'], 'the running machines are not counted again');
        const inotify = check.limits.find((l) => l.name === 'inotify-instances');
        assert.equal(inotify?.verdict, 'short');
        const fixed = await lab.kubelab('doctor', '--fix');
        assert.equal(fixed.exitCode, 0, fixed.all);
        // Only what was too low or close: nothing else of the host's is touched.
        assert.match(
          fixed.stdout,
          new RegExp(`^set until the next reboot: fs\\.inotify\\.max_user_instances=${inotify?.remedy?.value ?? 'none'}; to keep them:`, 'm'),
        );
        assert.equal((await fs.readFile(INOTIFY_INSTANCES, 'utf8')).trim(), String(inotify?.remedy?.value));
      } finally {
        // The host's own limit again: the apply below must fit in it, as a user's would.
        await fs.writeFile(INOTIFY_INSTANCES, `${original}\n`);
      }

      const grown = await lab.kubelab('apply');
      assert.equal(grown.exitCode, 0, grown.all);
      assert.match(grown.all, /all 6 Ready/);
      const nodes = await lab.kubelab('kubectl', 'get', 'nodes', '--no-headers');
      assert.match(nodes.stdout, /^worker-3 +Ready /m);
    });

    test('the worker taken out of the spec: drained, removed from Kubernetes by rke up, its machine gone; status sees no stray', async () => {
      await fs.writeFile(lab.spec, SPEC);
      const shrunk = await lab.kubelab('apply');
      assert.equal(shrunk.exitCode, 0, shrunk.all);
      assert.match(shrunk.all, /the spec no longer names worker-3: drained, removed by rke up, then their machines removed/);
      assert.match(shrunk.all, /\[worker-3\] machine removed \(not in the spec\)/);
      assert.match(shrunk.all, /all 5 Ready/);
      assert.match(await fs.readFile(path.join(lab.outDir, '.kubelab', 'logs', 'drain-worker-3.log'), 'utf8'), /node\/worker-3 (cordoned|drained)/);
      const nodes = await lab.kubelab('kubectl', 'get', 'nodes', '--no-headers');
      assert.doesNotMatch(nodes.stdout, /^worker-3 /m);
      assert.deepEqual(await dockerLines(['ps', '-a', '--filter', `name=^${NAME}-worker-3$`, '--format', '{{.Names}}']), []);
      assert.ok(!(await fs.pathExists(path.join(lab.outDir, '.vagrant', 'machines', 'worker-3', 'docker', 'id'))), 'its record went with it');
      const status = JSON.parse((await lab.kubelab('status', '--json')).stdout) as { strays: unknown[]; nodes: { name: string }[] };
      assert.deepEqual(status.strays, []);
      assert.deepEqual(
        status.nodes.map((n) => n.name),
        NODE_NAMES,
      );
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
      // worker-2 taken out of the spec without an apply: its machine stays, and status lists it.
      await fs.writeFile(lab.spec, SPEC.replace('count: 2\n    roles: [worker]', 'count: 1\n    roles: [worker]'));
      assert.equal((await lab.kubelab('generate')).exitCode, 0);
      const status = await lab.kubelab('status');
      assert.match(status.stdout, /machines of nodes the spec no longer names[^\n]*\n.*\nworker-2 +docker +running /);
      const registryStore = storeDir('registry');
      const storedBefore = await diskUsage(registryStore);
      assert.ok(lab.snapshotVolumesLeft.length > 0, 'the snapshot tests left a snapshot for destroy');

      const result = await destroyAndAssertClean(lab.dir, NAME, Object.keys(NODES).length, SUBNET);
      // Vagrant destroyed what today's Vagrantfile names; kubelab the machine it no longer does.
      assert.match(result.stdout, /machine worker-2 \(docker [0-9a-f]{12}\), not in today's Vagrantfile/);

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

    test("a new lab is served from the stores the last one left: the README's quick start, each kubelab line as written; nothing pushed again, every node pulls from the registry", async () => {
      // The new lab is the production-shaped one the next section studies (ha-endpoint.ts): the
      // docker example, three controlplane nodes behind the lab's API endpoint, and a worker.
      const { lines, kubelabCommands } = readmeQuickStart();
      assert.ok(lines.includes('cd examples/docker'), `the quick start runs in the example's folder:\n${lines.join('\n')}`);
      assert.ok(lines.includes('export KUBELAB_KIT_SOURCES=$PWD/../shared/third_party'), lines.join('\n'));
      assert.deepEqual(
        kubelabCommands.map((c) => c[0]),
        ['box', 'kit', 'apply', 'kubectl'],
      );
      await fs.writeFile(lab.spec, HA_EXAMPLE.text);
      const results = [];
      for (const args of kubelabCommands) {
        // The export line, with this run's sources: the same folder unless KUBELAB_KIT_SOURCES says otherwise.
        const result = await kubelab(lab.dir, args, { KUBELAB_KIT_SOURCES: SOURCES });
        assert.equal(result.exitCode, 0, `kubelab ${args.join(' ')}:\n${result.all}`);
        results.push(result);
      }
      const [box, kit, again, nodes] = results;
      assert.match(box!.all, /is up to date; nothing to do/);
      assert.match(kit!.all, /\(0 step\(s\) built, \d+ cached/);
      assert.match(again!.all, /\[host\] registry: 0 image\(s\) pushed, \d+ already there/);
      assert.doesNotMatch(again!.all, /pushing /);
      assert.match(again!.all, /all 4 Ready/);
      assert.equal(nodes!.stdout.split('\n').filter((l) => / Ready /.test(l)).length, 4, nodes!.all);
      const pulls = (await manifestRequests(registryLog(lab))).filter((r) => r.status === 200);
      for (const node of ['cp-1', 'cp-2', 'cp-3', 'worker-1'] as const) {
        assert.ok(
          pulls.some((p) => p.client === HA_NODES[node] && p.path.startsWith('/v2/kubelab/')),
          `${node} pulled from the registry`,
        );
      }
    });
  });
}
