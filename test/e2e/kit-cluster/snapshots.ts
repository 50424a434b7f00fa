import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { readJournal } from '../../../src/lab/journal.js';
import { dockerLines } from '../../support/docker-lab.js';
import { NODE_NAMES, type KitCluster } from './lab.js';

interface Listing {
  name: string;
  nodes: string[];
  bytes: number | null;
  kubernetesVersion: string;
  status: string;
}

/** The snapshot volumes of every lab on the host. */
export const snapshotVolumes = async (): Promise<string[]> =>
  (await dockerLines(['volume', 'ls', '--format', '{{.Name}}'])).filter((v) => v.startsWith('kubelab-snapshot-'));

/**
 * `kubelab snapshot` on a 3-member etcd cluster: saved, broken (objects changed, one member's data
 * wiped) and restored, and then asked whether it is really back: the objects of the moment of the
 * snapshot, etcd with the same members all healthy, every kubelet's Lease renewed after the restore
 * began, the same containers and IPs. The destroy at the end removes what is left (lifecycle.ts).
 */
export function snapshots(lab: KitCluster): void {
  const NODES: string[] = NODE_NAMES;
  describe('kubelab snapshot on a 3-member etcd cluster (docker provider)', () => {
    const marker = randomUUID();
    let baseline: { ids: string[]; ips: string[]; members: string[] } = { ids: [], ips: [], members: [] };

    const must = (...args: string[]): Promise<string> => lab.must(...args);
    const kubectl = (...args: string[]) => must('kubectl', ...args);
    const containerIds = async (): Promise<string[]> =>
      Promise.all(NODES.map(async (n) => (await fs.readFile(path.join(lab.outDir, '.vagrant', 'machines', n, 'docker', 'id'), 'utf8')).trim()));
    const privateIps = async (ids: string[]): Promise<string[]> =>
      (await dockerLines(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', ...ids])).map((l) =>
        l
          .split(' ')
          .filter((ip) => ip.startsWith('192.168.233.'))
          .join(','),
      );
    /** etcd's view from one member: `etcdctl` inside RKE's etcd container on that node. */
    const etcdctl = async (node: string, ...args: string[]): Promise<string> => {
      const id = (await containerIds())[NODES.indexOf(node)]!;
      return (await dockerLines(['exec', id, 'docker', 'exec', 'etcd', 'etcdctl', ...args])).join('\n');
    };
    const members = async (): Promise<string[]> =>
      (await etcdctl('cp', 'member', 'list', '--hex', '-w', 'simple'))
        .split('\n')
        .map((l) => l.split(',')[0]!.trim())
        .sort();
    const list = async (): Promise<Listing[]> => JSON.parse(await must('snapshot', 'list', '--json')) as Listing[];

    test('save: every machine stopped and saved at one moment, the cluster healthy again, the same containers and IPs', async () => {
      const ids = await containerIds();
      baseline = { ids, ips: await privateIps(ids), members: await members() };
      assert.equal(baseline.members.length, 3);
      await kubectl('create', 'namespace', 'snap-canary');
      await kubectl('-n', 'snap-canary', 'create', 'configmap', 'marker', `--from-literal=uuid=${marker}`);

      const saved = await must('snapshot', 'save', 'base');
      assert.match(saved, /^saved snapshot base: 5 node\(s\), [0-9.]+GiB in [0-9.]+s; the cluster is healthy again$/);
      const [base] = await list();
      assert.equal(base?.name, 'base');
      assert.equal(base.status, 'complete');
      assert.deepEqual(base.nodes, NODES);
      assert.equal(base.kubernetesVersion, 'v1.32.5-rancher1-1');
      assert.ok((base.bytes ?? 0) > 500 * 1024 ** 2, `size ${base.bytes}`);
      assert.deepEqual(await containerIds(), baseline.ids);
      assert.deepEqual(await privateIps(baseline.ids), baseline.ips);
      assert.deepEqual(await members(), baseline.members);
      // The fallback: rke's own etcd archive, kept on the host.
      assert.ok(await fs.pathExists(path.join(lab.outDir, '.kubelab', 'snapshots', 'base', 'etcd', 'kubelab-base.zip')));
      assert.ok(await fs.pathExists(path.join(lab.outDir, '.kubelab', 'snapshots', 'base', 'files', 'cluster.rkestate')));
    });

    test('refused, and nothing touched: a name taken, a name missing, an active fault, a changed spec', async () => {
      const again = await lab.kubelab('snapshot', 'save', 'base');
      assert.equal(again.exitCode, 2, again.all);
      assert.match(again.stderr, /already has a snapshot named base.*\n.*--force/);

      const missing = await lab.kubelab('snapshot', 'restore', 'nope');
      assert.equal(missing.exitCode, 2, missing.all);
      assert.match(missing.stderr, /no snapshot named nope\nhint: its snapshots: base/);

      await must('fault', 'partition', '--from', 'worker-2', '--to', 'cp');
      const faulty = await lab.kubelab('snapshot', 'restore', 'base');
      assert.equal(faulty.exitCode, 1, faulty.all);
      assert.match(faulty.stderr, /cannot restore a snapshot while faults are active: f1 partition\nhint: .*kubelab fault clear/);
      await must('fault', 'clear');

      const spec = await fs.readFile(lab.spec, 'utf8');
      await fs.writeFile(lab.spec, spec.replace('- name: worker\n    count: 2', '- name: worker\n    count: 3'));
      try {
        const changed = await lab.kubelab('snapshot', 'restore', 'base');
        assert.equal(changed.exitCode, 2, changed.all);
        assert.match(changed.stderr, /snapshot base does not fit the lab as it is now:\n {2}- nodes in the spec but not in the snapshot: worker-3\n/);
      } finally {
        await fs.writeFile(lab.spec, spec);
      }
      // None of these stopped a machine.
      assert.deepEqual(
        await dockerLines(['inspect', '--format', '{{.State.Status}}', ...baseline.ids]),
        NODES.map(() => 'running'),
      );
    });

    test('restore: a broken cluster is back as it was saved, healthy now, within the budget', async () => {
      await kubectl('delete', 'namespace', 'snap-canary', '--wait');
      await kubectl('create', 'namespace', 'after-snap');
      // One member loses its data: rolled back alone, against peers that remember more, etcd would break.
      await dockerLines([
        'exec',
        baseline.ids[NODES.indexOf('etcd-2')]!,
        'sh',
        '-c',
        'docker stop etcd >/dev/null && rm -rf /var/lib/etcd/member && echo wiped',
      ]);
      assert.match((await lab.kubelab('kubectl', 'get', 'namespace', 'snap-canary')).stderr, /NotFound/);

      const t0 = Date.now();
      const restored = await must('snapshot', 'restore', 'base');
      const seconds = (Date.now() - t0) / 1000;
      assert.match(restored, /^restored snapshot base in [0-9.]+s .*etcd has its 3 member\(s\), every node renewed its Lease$/);
      assert.ok(seconds < 180, `restore took ${seconds}s`);

      assert.equal(await kubectl('-n', 'snap-canary', 'get', 'configmap', 'marker', '-o', 'jsonpath={.data.uuid}'), marker);
      assert.match((await lab.kubelab('kubectl', 'get', 'namespace', 'after-snap')).stderr, /NotFound/);
      const health = await etcdctl('cp', 'endpoint', 'health', '--cluster', '-w', 'simple');
      assert.equal(health.split('\n').filter((l) => / is healthy/.test(l)).length, 3, health);
      assert.deepEqual(await members(), baseline.members);
      const leases = JSON.parse(await kubectl('get', 'leases', '-n', 'kube-node-lease', '-o', 'json')) as {
        items: { metadata: { name: string }; spec: { renewTime: string } }[];
      };
      for (const node of NODES) {
        const renewed = Date.parse(leases.items.find((l) => l.metadata.name === node)?.spec.renewTime ?? '');
        assert.ok(renewed > t0, `${node}'s Lease was last renewed at ${new Date(renewed).toISOString()}, before the restore began`);
      }
      assert.deepEqual(await containerIds(), baseline.ids);
      assert.deepEqual(await privateIps(baseline.ids), baseline.ips);
      const faults = JSON.parse(await fs.readFile(path.join(lab.outDir, '.kubelab', 'faults.json'), 'utf8')) as { faults: unknown[] };
      assert.deepEqual(faults.faults, []);
      const journal = await readJournal(lab.outDir);
      assert.deepEqual(
        journal.filter((e) => e.kind === 'snapshot').map((e) => [e.action, e.params]),
        [
          ['snapshot-save', { snapshot: 'base' }],
          ['snapshot-restore', { snapshot: 'base' }],
        ],
      );
      const status = JSON.parse(await must('status', '--json')) as { nodes: { kubernetes: { ready: boolean } | null }[] };
      assert.ok(
        status.nodes.every((n) => n.kubernetes?.ready),
        JSON.stringify(status.nodes),
      );
    });

    test("delete frees a snapshot's volume; destroy removes the rest with the machines", async () => {
      await must('snapshot', 'save', 'second');
      assert.deepEqual(
        (await list()).map((s) => s.name),
        ['base', 'second'],
      );
      const volumes = snapshotVolumes;
      const before = await volumes();
      const deleted = await must('snapshot', 'delete', 'base');
      assert.match(deleted, /^deleted snapshot base: freed [0-9.]+GiB$/);
      assert.deepEqual(
        (await list()).map((s) => s.name),
        ['second'],
      );
      const left = await volumes();
      assert.equal(left.length, before.length - 1);
      assert.ok(!(await fs.pathExists(path.join(lab.outDir, '.kubelab', 'snapshots', 'base'))));
      // What is left goes with the machines: the destroy at the end checks.
      lab.snapshotVolumesLeft = left;
    });
  });
}
