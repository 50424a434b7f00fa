import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { storeDir } from '../../../src/host-services/storage.js';
import { onNode } from '../../support/docker-lab.js';
import { eventually } from '../../support/fault-lab.js';
import { HOST, NODES, UPSTREAM, UPSTREAM_IMAGE, type KitCluster } from './lab.js';

export const KIT_REPOSITORIES = ['kubelab/etcd', 'kubelab/hyperkube', 'kubelab/pause', 'kubelab/rke-tools', 'kubelab/flannel', 'kubelab/coredns'];

/** The registry's access log lines for manifests, as [client, path, status]. */
export async function manifestRequests(logFile: string): Promise<{ client: string; path: string; status: number }[]> {
  const log = await fs.readFile(logFile, 'utf8').catch(() => '');
  return [...log.matchAll(/^(\S+) - - \[[^\]]*\] "(?:GET|HEAD) (\/v2\/\S+\/manifests\/\S+) HTTP\/[\d.]+" (\d+) /gm)].map((m) => ({
    client: m[1]!,
    path: m[2]!,
    status: Number(m[3]),
  }));
}

async function catalog(port: number): Promise<string[]> {
  const response = await fetch(`http://${HOST}:${port}/v2/_catalog?n=1000`);
  return ((await response.json()) as { repositories: string[] }).repositories;
}

export const registryLog = (lab: KitCluster): string => path.join(lab.outDir, '.kubelab', 'logs', 'registry.log');

/**
 * The lab's services on the host: the lab registry (every node pulls what it runs from it, and no
 * tarball is loaded) and the pull-through cache (against a second local registry standing in for
 * Docker Hub, which is then stopped). The package cache has a section of its own (packageCache).
 */
export function hostServices(lab: KitCluster): void {
  const pullThroughLog = (): string => path.join(lab.outDir, '.kubelab', 'logs', 'pull-through.log');

  describe('the lab registry, pull-through cache and package cache on the host', () => {
    test('apply starts the services on the host address only, pushes the kit, and every node pulls from the registry', async () => {
      const result = lab.applied;
      assert.ok(result);
      assert.match(result.all, /\[host\] started the lab registry on 192\.168\.233\.1:5001/);
      assert.match(result.all, /\[host\] started the pull-through cache on 192\.168\.233\.1:5002/);
      assert.match(result.all, /\[host\] started the package cache on 192\.168\.233\.1:3143/);

      // Bound to the lab's address: the host's loopback gets no answer.
      await assert.rejects(fetch('http://127.0.0.1:5001/v2/', { signal: AbortSignal.timeout(3_000) }));
      const repositories = await catalog(5001);
      for (const repository of KIT_REPOSITORIES) assert.ok(repositories.includes(repository), `${repository} in ${repositories.join(', ')}`);

      const pulls = (await manifestRequests(registryLog(lab))).filter((r) => r.status === 200);
      for (const [node, ip] of Object.entries(NODES)) {
        const own = pulls.filter((p) => p.client === ip).map((p) => p.path);
        for (const image of ['hyperkube', 'pause', 'rke-tools', 'flannel']) {
          assert.ok(
            own.some((p) => p.startsWith(`/v2/kubelab/${image}/manifests/`)),
            `${node} pulled kubelab/${image} from the lab registry`,
          );
        }
        // No tarball went to the nodes: nothing is shared with them, nothing was loaded.
        assert.equal(await onNode(lab.outDir, node, 'ls /kubelab/images /var/lib/kubelab/images-loaded 2>/dev/null | wc -l'), '0');
      }
      // Each node pulled only what it runs: etcd is on the etcd nodes alone.
      assert.ok(pulls.some((p) => p.client === NODES.cp && p.path.startsWith('/v2/kubelab/etcd/')));
      for (const worker of ['worker-1', 'worker-2'] as const) {
        assert.ok(!pulls.some((p) => p.client === NODES[worker] && p.path.startsWith('/v2/kubelab/etcd/')), `${worker} did not pull etcd`);
        assert.equal(await onNode(lab.outDir, worker, "docker images -q 'kubelab/etcd' | wc -l"), '0');
      }

      const services = JSON.parse(await lab.must('services', 'status', '--json')) as { name: string; state: string; listen: string }[];
      assert.deepEqual(
        services.map((s) => [s.name, s.state, s.listen]),
        [
          ['registry', 'running', `${HOST}:5001`],
          ['pull-through', 'running', `${HOST}:5002`],
          ['package-cache', 'running', `${HOST}:3143`],
        ],
      );
    });

    test('an image only the upstream has comes through the pull-through cache, and still comes once the upstream is gone', async () => {
      await onNode(lab.outDir, 'worker-1', `docker pull -q ${UPSTREAM_IMAGE}`);
      const fetched = (await manifestRequests(pullThroughLog())).filter((r) => r.status === 200 && r.path.includes('kubelab-e2e/upstream-only'));
      assert.ok(
        fetched.some((r) => r.client === NODES['worker-1']),
        'worker-1 got the image from the pull-through cache',
      );

      lab.stopUpstream();
      await eventually('the upstream to stop', async () => (await fetch(`${UPSTREAM}/v2/`).catch(() => undefined)) === undefined, 10_000);
      await onNode(lab.outDir, 'worker-2', `docker pull -q ${UPSTREAM_IMAGE}`);
      assert.equal(await onNode(lab.outDir, 'worker-2', `docker run --rm ${UPSTREAM_IMAGE} && echo ran`), 'ran');
      const later = (await manifestRequests(pullThroughLog())).filter((r) => r.status === 200 && r.client === NODES['worker-2']);
      assert.ok(
        later.some((r) => r.path.includes('kubelab-e2e/upstream-only')),
        'worker-2 got it from the cache',
      );
    });
  });
}

/**
 * The package cache: a package fetched once for two nodes. Its store is shared by every lab on the
 * host, and emptied here first, which kubelab refuses while another lab's package cache runs: so
 * this runs late, when the other lane's labs (the VMs of libvirt-tcg, which install through theirs)
 * are gone (test/run.ts).
 */
export function packageCache(lab: KitCluster): void {
  describe('the package cache on the host', () => {
    test('apt on the nodes goes through the package cache: a package is downloaded once for two nodes', async () => {
      // The store is shared with earlier labs, which may have fetched the package: empty it first.
      const pruned = await lab.kubelab('services', 'prune', '--only', 'package-cache');
      assert.equal(pruned.exitCode, 0, pruned.all);
      assert.match(pruned.stdout, /^stopped the package cache; `kubelab services up` starts them again$/m);
      assert.equal(await fs.pathExists(storeDir('package-cache')), false);
      const up = await lab.kubelab('services', 'up');
      assert.equal(up.exitCode, 0, up.all);
      assert.match(up.stdout, /^registry: already running on 192\.168\.233\.1:5001$/m);
      assert.match(up.stdout, /^package-cache: started on 192\.168\.233\.1:3143$/m);

      const logFile = path.join(lab.outDir, '.kubelab', 'logs', 'package-cache', 'apt-cacher.log');
      for (const node of ['worker-1', 'worker-2'] as const) {
        await onNode(lab.outDir, node, 'sudo apt-get -q update > /dev/null && cd /tmp && apt-get -q download hostname');
      }
      const transfers = async () => {
        const lines = (await fs.readFile(logFile, 'utf8')).split('\n').filter((l) => /\/hostname_[^|]*\.deb$/.test(l));
        // apt-cacher-ng logs I for bytes fetched from the repository, O for bytes sent to a client.
        return {
          lines,
          fetchedIn: lines.filter((l) => l.split('|')[1] === 'I'),
          servedTo: lines.filter((l) => l.split('|')[1] === 'O').map((l) => l.split('|')[3]),
        };
      };
      // The last transfer's line can come seconds after apt returns (a CI run read the log 3 s too early).
      await eventually('both transfers to be logged', async () => (await transfers()).servedTo.length >= 2, 15_000).catch(() => {});
      const { lines, fetchedIn, servedTo } = await transfers();
      assert.equal(fetchedIn.length, 1, lines.join('\n'));
      assert.deepEqual([...servedTo].sort(), [NODES['worker-1'], NODES['worker-2']]);

      // It serves package files only: no open relay, not even to the host's registry.
      const relay = await onNode(
        lab.outDir,
        'worker-1',
        `curl -s -o /dev/null -w '%{http_code}' -x http://${HOST}:3143 http://${HOST}:5001/v2/_catalog || true`,
      );
      assert.equal(relay, '403');
    });
  });
}
