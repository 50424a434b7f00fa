import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { processAlive } from '../../../src/exec/processes.js';
import { run } from '../../../src/exec/run.js';
import { readJournal } from '../../../src/lab/journal.js';
import { eventually, recordedFaults, type LabNodes } from '../../support/fault-lab.js';
import { NAME, NODE_NAMES, NODES, type KitCluster } from './lab.js';

const FILL_DIR = '/mnt/klfault-fill';

const containerState = async (node: string): Promise<string> =>
  (await run('docker', ['inspect', '--format', '{{.State.Status}}', `${NAME}-${node}`])).stdout.trim();

/**
 * `kubelab fault`, each kind injected, measured and undone on the running cluster; all traffic stays
 * between the lab's own nodes (and the host's address on the lab's network).
 */
export function faults(lab: KitCluster): void {
  let nodes: LabNodes;
  const timings: string[] = [];
  /** `kubelab fault ARGS` in the lab's folder. */
  const fault = async (...args: string[]) => lab.kubelab('fault', ...args);
  /** Injects, asserts success, and returns the new fault's id. */
  const inject = async (...args: string[]): Promise<string> => {
    const result = await fault(...args);
    assert.equal(result.exitCode, 0, result.all);
    const id = /^(f[0-9]+): /.exec(result.stdout)?.[1];
    assert.ok(id, result.stdout);
    return id;
  };
  const undo = async (id: string): Promise<void> => {
    const result = await fault('undo', id);
    assert.equal(result.exitCode, 0, result.all);
  };

  describe('kubelab fault on a docker-provider lab', () => {
    before(() => {
      nodes = lab.labNodes;
    });
    after(() => {
      if (timings.length > 0) process.stderr.write(`fault e2e timings: ${timings.join(', ')}\n`);
    });

    test('partition --one-way cuts only the chosen direction, and undo restores it', async () => {
      assert.equal(await nodes.udpArrivals('worker-1', 'cp'), 20, 'before: all arrive');
      const id = await inject('partition', '--from', 'worker-1', '--to', 'cp', '--one-way');
      assert.equal(await nodes.udpArrivals('worker-1', 'cp'), 0, 'worker-1 -> cp is cut');
      assert.equal(await nodes.udpArrivals('cp', 'worker-1'), 20, 'cp -> worker-1 still flows');
      assert.equal(await nodes.udpArrivals('worker-2', 'cp'), 20, 'worker-2 -> cp is not involved');
      assert.ok(await nodes.answers('cp'), 'the host still reaches the node');
      assert.match(
        await nodes.must('cp', 'iptables -w -S KUBELAB-IN'),
        new RegExp(`-A KUBELAB-IN -s ${NODES['worker-1']}/32 -m comment --comment "kubelab:${id}" -j DROP`),
      );
      await undo(id);
      assert.equal(await nodes.udpArrivals('worker-1', 'cp'), 20, 'after undo: all arrive');
      assert.equal(await nodes.traces('cp'), '', 'undo leaves no chain');
    });

    test('partition --port cuts only TCP to that port: etcd-1 no longer reaches etcd on cp as a peer, but still as a client', async () => {
      // bash's /dev/tcp: a connection, or a failure within 3 s (a dropped SYN times out).
      const reaches = async (port: number): Promise<boolean> => (await nodes.run('etcd-1', `timeout 3 bash -c '</dev/tcp/${NODES.cp}/${port}'`)).code === 0;
      assert.ok(await reaches(2380), 'before: the peer port answers');
      const id = await inject('partition', '--from', 'etcd-1', '--to', 'cp', '--one-way', '--port', 'etcd-peer');
      assert.equal(await reaches(2380), false, 'etcd-1 -> cp:2380 is cut');
      assert.ok(await reaches(2379), 'etcd-1 -> cp:2379 still flows');
      assert.equal(await nodes.udpArrivals('etcd-1', 'cp'), 20, 'other traffic flows');
      const list = await fault('list');
      assert.match(list.stdout, new RegExp(`^${id}\\s+partition etcd-1 -> cp port 2380\\s`, 'm'));
      await undo(id);
      assert.ok(await reaches(2380), 'after undo: the peer port answers');
    });

    test('partition between two groups cuts both directions; the same again is refused and changes nothing', async () => {
      const id = await inject('partition', '--from', 'worker', '--to', 'controlplane');
      assert.equal(await nodes.udpArrivals('worker-1', 'cp'), 0);
      assert.equal(await nodes.udpArrivals('cp', 'worker-2'), 0);
      assert.equal(await nodes.udpArrivals('worker-1', 'worker-2'), 20, 'inside a group traffic flows');
      const before = await fs.readFile(path.join(lab.outDir, '.kubelab/faults.json'), 'utf8');
      const again = await fault('partition', '--from', 'worker-2', '--to', 'cp', '--one-way');
      assert.equal(again.exitCode, 5, again.all);
      assert.match(again.stderr, new RegExp(`worker-2 -> cp already has ${id} \\(partition worker-1,worker-2 <-> cp\\)`));
      assert.equal(await fs.readFile(path.join(lab.outDir, '.kubelab/faults.json'), 'utf8'), before);
      await undo(id);
      assert.equal(await nodes.udpArrivals('cp', 'worker-2'), 20);
    });

    test('partition --shape: each named shape cuts exactly the directions its groups say (every pair probed), fault list shows the groups, undo restores all', async () => {
      const both = (...pairs: [string, string][]) => pairs.flatMap(([a, b]) => [`${a} -> ${b}`, `${b} -> ${a}`]).sort();
      const across = (left: string[], right: string[]) => both(...left.flatMap((a) => right.map((b): [string, string] => [a, b])));
      // The lab's Kubernetes nodes in its order: cp, etcd-1, etcd-2, worker-1, worker-2 (Jepsen's definitions, by hand).
      const shapes: { args: string[]; groups: string; cut: string[] }[] = [
        { args: ['halves'], groups: 'cp,etcd-1 | etcd-2,worker-1,worker-2', cut: across(['cp', 'etcd-1'], ['etcd-2', 'worker-1', 'worker-2']) },
        {
          args: ['isolate', '--node', 'etcd-1'],
          groups: 'etcd-1 | cp,etcd-2,worker-1,worker-2',
          cut: across(['etcd-1'], ['cp', 'etcd-2', 'worker-1', 'worker-2']),
        },
        { args: ['bridge'], groups: 'cp,etcd-1 | etcd-2 (bridge) | worker-1,worker-2', cut: across(['cp', 'etcd-1'], ['worker-1', 'worker-2']) },
        {
          args: ['majorities-ring'],
          groups: 'cp sees etcd-1,worker-2; etcd-1 sees cp,etcd-2; etcd-2 sees etcd-1,worker-1; worker-1 sees etcd-2,worker-2; worker-2 sees cp,worker-1',
          // On a ring of five, each node still reaches its two neighbours: the others are cut.
          cut: both(['cp', 'etcd-2'], ['cp', 'worker-1'], ['etcd-1', 'worker-1'], ['etcd-1', 'worker-2'], ['etcd-2', 'worker-2']),
        },
      ];
      assert.deepEqual(await nodes.cutDirections(NODE_NAMES), [], 'before: every direction flows');
      for (const { args, groups, cut } of shapes) {
        const id = await inject('partition', '--shape', ...args);
        assert.match((await fault('list')).stdout, new RegExp(`^${id}\\s+partition ${args[0]} ${groups.replace(/[|()]/g, '\\$&')}\\s`, 'm'));
        assert.deepEqual(await nodes.cutDirections(NODE_NAMES), cut, args[0]);
        await undo(id);
      }
      assert.deepEqual(await nodes.cutDirections(NODE_NAMES), [], 'after the undos: every direction flows');
    });

    test('loss drops about the asked share of pings', async () => {
      const id = await inject('loss', '30', '--from', 'worker-1', '--to', 'cp', '--one-way');
      const loss = await nodes.pingLoss('worker-1', 'cp', 300);
      // 300 pings at p = 0.3: the standard deviation is about 2.6 points.
      assert.ok(loss >= 15 && loss <= 45, `lost ${loss}%, asked 30%`);
      await undo(id);
      assert.ok((await nodes.pingLoss('worker-1', 'cp', 50)) <= 2, 'after undo nothing is lost');
    });

    test('bandwidth limits a transfer to the chosen node only', async () => {
      await nodes.giveKey('worker-1');
      const bytes = 600_000; // 4.8 Mbit: about 5 s at 1mbit
      const free = await nodes.transferSeconds('worker-1', 'worker-2', bytes);
      const id = await inject('bandwidth', '1mbit', '--from', 'worker-1', '--to', 'worker-2', '--one-way');
      const limited = await nodes.transferSeconds('worker-1', 'worker-2', bytes);
      const other = await nodes.transferSeconds('worker-1', 'cp', bytes);
      await undo(id);
      const after = await nodes.transferSeconds('worker-1', 'worker-2', bytes);
      timings.push(`bandwidth: free ${free}s, limited ${limited}s, other ${other}s, after ${after}s`);
      assert.ok(limited >= 3, `limited transfer took ${limited}s, expected about 5s`);
      assert.ok(free < 2 && other < 2 && after < 2, `unlimited transfers took ${free}s, ${other}s and ${after}s`);
      assert.equal(await nodes.traces('worker-1'), '', 'undo leaves no qdisc');
    });

    test("delay does what fault support says of the host's kernel: netem where it has it, otherwise a refusal that changes nothing", async () => {
      const support = await fault('support', '--json');
      assert.equal(support.exitCode, 0, support.all);
      const delay = (JSON.parse(support.stdout) as { kinds: { kind: string; works: string }[] }).kinds.find((k) => k.kind === 'delay');
      assert.ok(delay && delay.works !== 'unknown', `this host's kernel config is readable: ${support.stdout}`);
      const result = await fault('delay', '100', '--from', 'worker-1', '--to', 'cp');
      assert.equal(result.exitCode, delay.works === 'yes' ? 0 : 6, result.all);
      if (delay.works === 'yes') {
        const id = /^(f[0-9]+): /.exec(result.stdout)![1]!;
        const rtt = await nodes.must('worker-1', `ping -q -c 3 -i 0.2 ${NODES.cp} | tail -n 1`);
        assert.ok(Number(rtt.split('/')[4]) >= 100, rtt);
        await undo(id);
        return;
      }
      // This workplace's kernel has no sch_netem.
      assert.match(
        result.stderr,
        /kubelab: (worker-1|cp): this kernel has no netem \(sch_netem\), which delay needs; nothing was changed\nhint: use kubelab fault loss or kubelab fault bandwidth instead/,
      );
      assert.deepEqual(await recordedFaults(lab.outDir), []);
      assert.equal(await nodes.traces('worker-1'), '');
      assert.equal(await nodes.traces('cp'), '');
    });

    test('freeze makes a node unreachable and resume brings it back', async () => {
      const id = await inject('freeze', 'worker-2');
      assert.equal(await containerState('worker-2'), 'paused');
      assert.equal(await nodes.answers('worker-2'), false, 'a frozen node does not answer');
      const inside = await fault('cpu-hog', '--node', 'worker-2');
      assert.equal(inside.exitCode, 5, inside.all);
      assert.match(inside.stderr, new RegExp(`worker-2 cannot be reached inside: ${id} \\(freeze worker-2\\) is active`));
      const resumed = await fault('resume', 'worker');
      assert.equal(resumed.exitCode, 0, resumed.all);
      assert.equal(await containerState('worker-2'), 'running');
      assert.ok(await nodes.answers('worker-2'));
      assert.deepEqual(await recordedFaults(lab.outDir), []);
    });

    test('crash powers a node off without a shutdown, and start brings it back with its address', async () => {
      const id = await inject('crash', 'worker-2');
      assert.equal(await containerState('worker-2'), 'exited');
      assert.equal(await nodes.answers('worker-2'), false);
      assert.match((await fault('list')).stdout, new RegExp(`${id} +crash worker-2 +worker-2 `));
      const status = await lab.kubelab('status', '--json');
      const worker2 = (JSON.parse(status.stdout) as { nodes: { name: string; state: string; faults: string[] }[] }).nodes.find((n) => n.name === 'worker-2');
      assert.deepEqual([worker2?.state, worker2?.faults], ['stopped', [`${id} crash`]], status.all);
      const started = await fault('start', 'worker-2');
      assert.equal(started.exitCode, 0, started.all);
      assert.equal(await containerState('worker-2'), 'running');
      assert.match(await nodes.must('worker-2', 'ip -4 -o addr show dev eth1'), new RegExp(` ${NODES['worker-2'].replace(/\./g, '\\.')}/24 `));
      const journal = await readJournal(lab.outDir);
      assert.deepEqual(
        journal.filter((e) => e.id === id).map((e) => [e.action, e.kind, e.result]),
        [
          ['inject', 'crash', 'ok'],
          ['undo', 'crash', 'ok'],
        ],
      );
    });

    test("kill names a missing component plainly, and stop-component docker stops the node's Docker until undo", async () => {
      // A worker runs no etcd: killing real components is tested in recovery.ts and the scenarios.
      const missing = await fault('kill', 'etcd', '--node', 'worker-1');
      assert.equal(missing.exitCode, 6, missing.all);
      assert.match(missing.stderr, /kubelab: worker-1: no container is named etcd here\nhint: RKE runs etcd on etcd nodes/);
      const stopped = await inject('stop-component', 'docker', '--node', 'worker-1');
      assert.equal(await nodes.must('worker-1', 'systemctl is-active docker.service || true'), 'inactive');
      await undo(stopped);
      assert.equal(await nodes.must('worker-1', 'systemctl is-active docker.service'), 'active');
    });

    test("disk-fill reaches the asked level on a small tmpfs, refuses the host's disk, and undo frees it", async () => {
      // Never the host's disk: a 64 MiB tmpfs inside the node.
      await nodes.must('worker-1', `mkdir -p ${FILL_DIR} && mount -t tmpfs -o size=64m tmpfs ${FILL_DIR}`);
      const used = async (): Promise<number> => Number((await nodes.must('worker-1', `df --output=pcent ${FILL_DIR} | tail -n 1`)).replace(/[ %]/g, ''));
      const id = await inject('disk-fill', '75', '--node', 'worker-1', '--path', FILL_DIR);
      const level = await used();
      assert.ok(level >= 74 && level <= 76, `${FILL_DIR} is ${level}% full, asked 75%`);
      const twice = await fault('disk-fill', '90', '--node', 'worker', '--path', FILL_DIR);
      assert.equal(twice.exitCode, 5, twice.all);
      // The node's / is the host's disk: refused with a tiny --max, so that it never writes there.
      const host = await fault('disk-fill', '99', '--node', 'worker-2', '--max', '1M');
      assert.equal(host.exitCode, 6, host.all);
      assert.match(host.stderr, /more than the limit of 1 MiB\nhint: .*docker provider a node's \/ is the host's own disk|is already/);
      await undo(id);
      assert.equal(await used(), 0);
      assert.equal(await nodes.traces('worker-1'), '');
    });

    test('--for undoes a fault by itself, and a dead timer is made up for by the next command', async () => {
      const timed = await inject('partition', '--from', 'worker-1', '--to', 'worker-2', '--one-way', '--for', '3s');
      assert.equal(await nodes.udpArrivals('worker-1', 'worker-2'), 0);
      await eventually('the timer to undo the partition', async () => (await recordedFaults(lab.outDir)).length === 0, 30_000);
      assert.equal(await nodes.udpArrivals('worker-1', 'worker-2'), 20);
      const expired = (await readJournal(lab.outDir)).filter((e) => e.id === timed).map((e) => e.action);
      assert.deepEqual(expired, ['inject', 'expire']);

      const orphan = await inject('cpu-hog', '--node', 'worker-2', '--cpus', '1', '--for', '2s');
      const [record] = await recordedFaults(lab.outDir);
      assert.ok(record?.timerPid && processAlive(record.timerPid));
      process.kill(record.timerPid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      assert.equal((await recordedFaults(lab.outDir)).length, 1, 'with its timer dead, the fault outlives --for');
      const list = await fault('list');
      assert.equal(list.exitCode, 0, list.all);
      assert.match(list.stderr, new RegExp(`${orphan} expired and was undone: cpu-hog 1 CPU\\(s\\) on worker-2`));
      assert.equal(list.stdout, 'no active faults');
      assert.equal(await nodes.traces('worker-2'), '');
    });

    test('clear undoes everything and leaves no rule, qdisc, file or process behind', async () => {
      await nodes.must('worker-1', `mountpoint -q ${FILL_DIR} || mount -t tmpfs -o size=64m tmpfs ${FILL_DIR}`);
      await inject('partition', '--from', 'cp', '--to', 'worker-2');
      await inject('loss', '10', '--from', 'worker-1', '--to', 'worker-2', '--one-way');
      await inject('bandwidth', '5mbit', '--from', 'worker-1', '--to', 'cp');
      await inject('disk-fill', '50', '--node', 'worker-1', '--path', FILL_DIR);
      await inject('cpu-hog', '--node', 'worker-2', '--cpus', '1');
      await inject('mem-hog', '64M', '--node', 'cp');
      await inject('freeze', 'worker-2');
      assert.ok(Number(await nodes.must('cp', 'ps -o rss= -C tail | sort -n | tail -n 1')) >= 60_000, 'mem-hog holds its memory');
      const result = await fault('clear');
      assert.equal(result.exitCode, 0, result.all);
      assert.match(result.stdout, /^cleared: f[0-9]+(, f[0-9]+){6}$/);
      assert.deepEqual(await recordedFaults(lab.outDir), []);
      for (const node of NODE_NAMES) assert.equal(await nodes.traces(node), '', `traces on ${node}`);
      assert.equal(await containerState('worker-2'), 'running');
      assert.equal(await nodes.udpArrivals('cp', 'worker-2'), 20);
    });
  });
}
