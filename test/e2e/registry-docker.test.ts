/**
 * The lab's services on the host, end to end, on a three-machine docker-provider cluster from the
 * offline kit: the lab registry (every node pulls what it runs from it, and no tarball is loaded),
 * the pull-through cache (against a second local registry standing in for Docker Hub, which is then
 * stopped), the package cache (a package fetched once for two nodes), `destroy` keeping the stores,
 * and a second `apply` served from them. All traffic stays on the host: the lab's own network and
 * the stand-in upstream on loopback.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'fs-extra';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { diskUsage, storeDir } from '../../src/host-services/storage.js';
import { dockerLabUnavailable, ensureBox, kubelab, onNode, savePreloadImage } from '../support/docker-lab.js';
import { eventually } from '../support/fault-lab.js';
import { repoRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';
import { mustRun } from '../support/tools.js';

const BOX = 'kubelab/debian-bookworm:latest';
// A network of this test's own (made through Vagrant); nothing outside it is ever addressed.
const CIDR = '192.168.238.0/24';
const HOST = '192.168.238.1';
const NODES = { cp: '192.168.238.10', 'worker-1': '192.168.238.11', 'worker-2': '192.168.238.12' } as const;
const SOURCES = process.env.KUBELAB_KIT_SOURCES ?? path.resolve(repoRoot, '..', 'shared', 'third_party');
// The stand-in for Docker Hub, on the host's loopback: the pull-through cache reaches it, the nodes cannot.
const UPSTREAM_PORT = 5099;
const UPSTREAM = `http://127.0.0.1:${UPSTREAM_PORT}`;
// A tag of this run only, so that the shared cache cannot hold it from an earlier run.
const UPSTREAM_IMAGE = `kubelab-e2e/upstream-only:run-${Date.now().toString(36)}`;
const KIT_REPOSITORIES = ['kubelab/etcd', 'kubelab/hyperkube', 'kubelab/pause', 'kubelab/rke-tools', 'kubelab/flannel', 'kubelab/coredns'];

const SPEC = `
name: klregistry
provider:
  type: docker
network:
  cidr: ${CIDR}
defaults:
  cpus: 1
  memory: 1536M
nodes:
  - name: cp
    roles: [etcd, controlplane]
    memory: 3G
  - name: worker
    count: 2
    roles: [worker]
registry:
  pullThrough:
    upstream: ${UPSTREAM}
packageCache:
  enabled: true
`;

const unavailable = await dockerLabUnavailable();
if (unavailable && process.env.CI) throw new Error(`the end-to-end test cannot run in CI: ${unavailable}`);

/** The registry's access log lines for manifests, as [client, path, status]. */
async function manifestRequests(logFile: string): Promise<{ client: string; path: string; status: number }[]> {
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

describe('the lab registry, pull-through cache and package cache on the host', { skip: unavailable, timeout: 40 * 60_000 }, () => {
  let dir = '';
  let outDir = '';
  let upstream: ChildProcess | undefined;
  const registryLog = (): string => path.join(outDir, '.kubelab', 'logs', 'registry.log');
  const pullThroughLog = (): string => path.join(outDir, '.kubelab', 'logs', 'pull-through.log');

  before(async () => {
    await ensureBox(BOX);
    dir = await tempDir('registry');
    outDir = path.join(dir, 'out');
    await fs.writeFile(path.join(dir, 'kubelab.yaml'), SPEC);
    const kit = await kubelab(dir, ['kit', 'build', '--sources', SOURCES]);
    assert.equal(kit.exitCode, 0, kit.all);

    // The upstream: a registry of its own on loopback, holding one image nobody else has.
    const upstreamDir = path.join(dir, 'upstream');
    await fs.outputFile(
      path.join(upstreamDir, 'config.yml'),
      `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${upstreamDir}/data\nhttp:\n  addr: 127.0.0.1:${UPSTREAM_PORT}\n`,
    );
    upstream = spawn('docker-registry', ['serve', path.join(upstreamDir, 'config.yml')], { stdio: 'ignore' });
    await eventually('the upstream registry to answer', async () => (await fetch(`${UPSTREAM}/v2/`).catch(() => undefined))?.ok === true, 20_000);
    await savePreloadImage(upstreamDir, upstreamDir, UPSTREAM_IMAGE, 'upstream.tar');
    await mustRun('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `docker-archive:${upstreamDir}/upstream.tar`,
      `docker://127.0.0.1:${UPSTREAM_PORT}/${UPSTREAM_IMAGE}`,
    ]);
  });

  after(async () => {
    upstream?.kill();
    if (outDir !== '') await kubelab(dir, ['destroy']);
  });

  test('apply starts the services on the host address only, pushes the kit, and every node pulls from the registry', async () => {
    const result = await kubelab(dir, ['apply', '--jobs', '3']);
    assert.equal(result.exitCode, 0, result.all);
    assert.match(result.all, /\[host\] started the lab registry on 192\.168\.238\.1:5001/);
    assert.match(result.all, /\[host\] started the pull-through cache on 192\.168\.238\.1:5002/);
    assert.match(result.all, /\[host\] started the package cache on 192\.168\.238\.1:3143/);

    // Bound to the lab's address: the host's loopback gets no answer.
    await assert.rejects(fetch('http://127.0.0.1:5001/v2/', { signal: AbortSignal.timeout(3_000) }));
    const repositories = await catalog(5001);
    for (const repository of KIT_REPOSITORIES) assert.ok(repositories.includes(repository), `${repository} in ${repositories.join(', ')}`);

    const pulls = (await manifestRequests(registryLog())).filter((r) => r.status === 200);
    for (const [node, ip] of Object.entries(NODES)) {
      const own = pulls.filter((p) => p.client === ip).map((p) => p.path);
      for (const image of ['hyperkube', 'pause', 'rke-tools', 'flannel']) {
        assert.ok(
          own.some((p) => p.startsWith(`/v2/kubelab/${image}/manifests/`)),
          `${node} pulled kubelab/${image} from the lab registry`,
        );
      }
      // No tarball went to the nodes: nothing is shared with them, nothing was loaded.
      assert.equal(await onNode(outDir, node, 'ls /kubelab/images /var/lib/kubelab/images-loaded 2>/dev/null | wc -l'), '0');
    }
    // Each node pulled only what it runs: etcd is on cp alone.
    assert.ok(pulls.some((p) => p.client === NODES.cp && p.path.startsWith('/v2/kubelab/etcd/')));
    for (const worker of ['worker-1', 'worker-2'] as const) {
      assert.ok(!pulls.some((p) => p.client === NODES[worker] && p.path.startsWith('/v2/kubelab/etcd/')), `${worker} did not pull etcd`);
      assert.equal(await onNode(outDir, worker, "docker images -q 'kubelab/etcd' | wc -l"), '0');
    }

    const status = await kubelab(dir, ['services', 'status', '--json']);
    assert.equal(status.exitCode, 0, status.all);
    const services = JSON.parse(status.stdout) as { name: string; state: string; listen: string }[];
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
    await onNode(outDir, 'worker-1', `docker pull -q ${UPSTREAM_IMAGE}`);
    const fetched = (await manifestRequests(pullThroughLog())).filter((r) => r.status === 200 && r.path.includes('kubelab-e2e/upstream-only'));
    assert.ok(
      fetched.some((r) => r.client === NODES['worker-1']),
      'worker-1 got the image from the pull-through cache',
    );

    upstream?.kill();
    await eventually('the upstream to stop', async () => (await fetch(`${UPSTREAM}/v2/`).catch(() => undefined)) === undefined, 10_000);
    await onNode(outDir, 'worker-2', `docker pull -q ${UPSTREAM_IMAGE}`);
    assert.equal(await onNode(outDir, 'worker-2', `docker run --rm ${UPSTREAM_IMAGE} && echo ran`), 'ran');
    const later = (await manifestRequests(pullThroughLog())).filter((r) => r.status === 200 && r.client === NODES['worker-2']);
    assert.ok(
      later.some((r) => r.path.includes('kubelab-e2e/upstream-only')),
      'worker-2 got it from the cache',
    );
  });

  test('apt on the nodes goes through the package cache: a package is downloaded once for two nodes', async () => {
    // The store is shared with earlier labs, which may have fetched the package: empty it first.
    const pruned = await kubelab(dir, ['services', 'prune', '--only', 'package-cache']);
    assert.equal(pruned.exitCode, 0, pruned.all);
    assert.match(pruned.stdout, /^stopped the package cache; `kubelab services up` starts them again$/m);
    assert.equal(await fs.pathExists(storeDir('package-cache')), false);
    const up = await kubelab(dir, ['services', 'up']);
    assert.equal(up.exitCode, 0, up.all);
    assert.match(up.stdout, /^registry: already running on 192\.168\.238\.1:5001$/m);
    assert.match(up.stdout, /^package-cache: started on 192\.168\.238\.1:3143$/m);

    const logFile = path.join(outDir, '.kubelab', 'logs', 'package-cache', 'apt-cacher.log');
    for (const node of ['worker-1', 'worker-2'] as const) {
      await onNode(outDir, node, 'sudo apt-get -q update > /dev/null && cd /tmp && apt-get -q download hostname');
    }
    const lines = (await fs.readFile(logFile, 'utf8')).split('\n').filter((l) => /\/hostname_[^|]*\.deb$/.test(l));
    // apt-cacher-ng logs I for bytes fetched from the repository, O for bytes sent to a client.
    const fetchedIn = lines.filter((l) => l.split('|')[1] === 'I');
    const servedTo = lines.filter((l) => l.split('|')[1] === 'O').map((l) => l.split('|')[3]);
    assert.equal(fetchedIn.length, 1, lines.join('\n'));
    assert.deepEqual([...servedTo].sort(), [NODES['worker-1'], NODES['worker-2']]);

    // It serves package files only: no open relay, not even to the host's registry.
    const relay = await onNode(outDir, 'worker-1', `curl -s -o /dev/null -w '%{http_code}' -x http://${HOST}:3143 http://${HOST}:5001/v2/_catalog || true`);
    assert.equal(relay, '403');
  });

  test('destroy stops the services and keeps their stores; a second apply is served from them', async () => {
    const registryStore = storeDir('registry');
    const before = await diskUsage(registryStore);
    const destroyed = await kubelab(dir, ['destroy']);
    assert.equal(destroyed.exitCode, 0, destroyed.all);
    assert.match(destroyed.all, /stopped the lab registry, the pull-through cache, the package cache on the host/);
    // Asked of the process table, not the network: the lab's address is gone with its network.
    const programs = await mustRun('ps', ['-eo', 'args']);
    assert.deepEqual(
      programs.split('\n').filter((l) => l.includes(outDir)),
      [],
    );
    assert.equal(await diskUsage(registryStore), before);

    // The upstream stays stopped: the pull-through cache starts only with it, so it is left out now.
    await fs.writeFile(path.join(dir, 'kubelab.yaml'), SPEC.replace(`    upstream: ${UPSTREAM}`, '    enabled: false'));
    const again = await kubelab(dir, ['apply', '--jobs', '3']);
    assert.equal(again.exitCode, 0, again.all);
    assert.match(again.all, /\[host\] registry: 0 image\(s\) pushed, \d+ already there/);
    assert.doesNotMatch(again.all, /pushing /);
    const pulls = (await manifestRequests(registryLog())).filter((r) => r.status === 200);
    for (const ip of Object.values(NODES)) assert.ok(pulls.some((p) => p.client === ip && p.path.startsWith('/v2/kubelab/hyperkube/')));
    const nodes = await kubelab(dir, ['kubectl', 'get', 'nodes', '--no-headers']);
    assert.equal(nodes.stdout.split('\n').filter((l) => / Ready /.test(l)).length, 3, nodes.all);
  });
});
