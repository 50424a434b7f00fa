import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { whyInLog } from '../../src/host-services/daemon.js';
import { servicePlans } from '../../src/host-services/plans.js';
import { aptCacherNgConfig } from '../../src/host-services/services/package-cache.js';
import { mirrorPath, parseArchiveManifest } from '../../src/host-services/push.js';
import { HOST_SERVICES, SERVICE_NAMES } from '../../src/host-services/services/index.js';
import { storeDir } from '../../src/host-services/storage.js';
import { compileText, ONE_NODE } from '../support/spec.js';

const ENV = { KUBELAB_CACHE_DIR: '/cache' };

describe('host services: what runs, where, with which configuration', () => {
  test('the docker provider: the registry and its pull-through cache on the host address, no package cache', async () => {
    const { model } = await compileText(`provider:\n  type: docker\nnetwork:\n  cidr: 192.168.77.0/24\n${ONE_NODE}`);
    const plans = servicePlans(model, '/lab/out', ENV);
    assert.deepEqual(
      plans.map((p) => [p.name, p.program, `${p.address}:${p.port}`, p.storage]),
      [
        ['registry', 'docker-registry', '192.168.77.1:5001', '/cache/registry/local'],
        ['pull-through', 'docker-registry', '192.168.77.1:5002', '/cache/registry/pull-through/registry-1.docker.io'],
      ],
    );
    const registry = parse(plans[0]!.config.content) as Record<string, Record<string, unknown>>;
    assert.equal(registry.http!.addr, '192.168.77.1:5001');
    assert.deepEqual(registry.storage!.filesystem, { rootdirectory: '/cache/registry/local' });
    assert.equal(registry.proxy, undefined, 'the lab registry takes pushes: it is no proxy');
    const cache = parse(plans[1]!.config.content) as Record<string, Record<string, unknown>>;
    assert.deepEqual(cache.proxy, { remoteurl: 'https://registry-1.docker.io' });
    assert.equal(plans[1]!.withoutIt !== undefined, true, 'the lab goes on without the pull-through cache');
    assert.equal(plans[0]!.withoutIt, undefined);
    assert.deepEqual(plans[0]!.args, ['serve', path.join('/lab/out', '.kubelab/host-services/registry.yml')]);
  });

  test('a VM provider adds the package cache; each upstream gets a store of its own', async () => {
    const { model } = await compileText(`registry:\n  pullThrough:\n    upstream: http://127.0.0.1:5099\n${ONE_NODE}`);
    const plans = servicePlans(model, '/lab/out', ENV);
    assert.deepEqual(
      plans.map((p) => p.name),
      ['registry', 'pull-through', 'package-cache'],
    );
    assert.equal(plans[1]!.storage, '/cache/registry/pull-through/127.0.0.1_5099');
    assert.equal(plans[2]!.storage, storeDir('package-cache', ENV));
    assert.deepEqual(plans[2]!.args, ['-c', '/lab/out/.kubelab/host-services/package-cache']);
  });

  test("the spec's proxy is the pull-through cache's and the package cache's way out", async () => {
    const { model } = await compileText(`proxy:\n  http: http://proxy.corp:3128\n  https: http://proxy.corp:3129\n${ONE_NODE}`);
    const plans = servicePlans(model, '/lab/out', ENV);
    const pullThrough = plans.find((p) => p.name === 'pull-through')!;
    assert.equal(pullThrough.env.HTTPS_PROXY, 'http://proxy.corp:3129');
    assert.equal(pullThrough.env.HTTP_PROXY, 'http://proxy.corp:3128');
    assert.match(pullThrough.env.NO_PROXY!, /192\.168\.56\.0\/24/);
    assert.deepEqual(plans.find((p) => p.name === 'registry')!.env, {}, 'the lab registry fetches nothing');
    assert.match(plans.find((p) => p.name === 'package-cache')!.config.content, /^Proxy: http:\/\/proxy\.corp:3128$/m);
  });

  test('turned off: no services at all', async () => {
    const { model } = await compileText(`registry:\n  enabled: false\npackageCache:\n  enabled: false\n${ONE_NODE}`);
    assert.deepEqual(servicePlans(model, '/lab/out', ENV), []);
  });

  test('each service describes itself once: a name and a model key of its own, a log named for it, a store apart', async () => {
    assert.equal(new Set(SERVICE_NAMES).size, HOST_SERVICES.length);
    assert.equal(new Set(HOST_SERVICES.map((s) => s.key)).size, HOST_SERVICES.length);
    const stores = SERVICE_NAMES.map((name) => storeDir(name, ENV));
    for (const store of stores) for (const other of stores) assert.ok(other === store || !other.startsWith(`${store}/`), `${store} holds ${other}`);
    const { model } = await compileText(ONE_NODE);
    for (const plan of servicePlans(model, '/lab/out', ENV)) {
      assert.equal(plan.logFile, `/lab/out/.kubelab/logs/${plan.name}.log`);
      assert.ok(plan.storage.startsWith(storeDir(plan.name, ENV)), `${plan.name} keeps this lab's share inside its store`);
    }
    const packageCache = servicePlans(model, '/lab/out', ENV).find((p) => p.name === 'package-cache');
    assert.deepEqual(packageCache?.folders, ['/lab/out/.kubelab/logs/package-cache'], "apt-cacher-ng's log folder is made before it starts");
  });

  test("apt-cacher-ng's configuration: bound to the lab address, no mirror remapping, no report page", () => {
    const text = aptCacherNgConfig({ address: '10.9.8.1', port: 3143, storage: '/s', logDir: '/l', runDir: '/r', upstreamProxy: undefined });
    assert.match(text, /^BindAddress: 10\.9\.8\.1$/m);
    assert.match(text, /^Port: 3143$/m);
    assert.match(text, /^CacheDir: \/s$/m);
    assert.doesNotMatch(text, /Remap-|ReportPage|Proxy:/);
  });
});

describe('host services: pushing `docker save` archives', () => {
  test('a Docker Hub reference maps to the path Docker asks a mirror for; other registries are left out, saying why', () => {
    assert.deepEqual(mirrorPath('kubelab/pause:3.10'), { repository: 'kubelab/pause', tag: '3.10' });
    assert.deepEqual(mirrorPath('nginx:1.27'), { repository: 'library/nginx', tag: '1.27' });
    assert.deepEqual(mirrorPath('docker.io/rancher/hyperkube:v1.32.5-rancher1'), { repository: 'rancher/hyperkube', tag: 'v1.32.5-rancher1' });
    assert.deepEqual(mirrorPath('index.docker.io/library/busybox:1'), { repository: 'library/busybox', tag: '1' });
    assert.match((mirrorPath('quay.io/coreos/etcd:v3.5') as { why: string }).why, /names the registry quay\.io/);
    assert.match((mirrorPath('localhost:5000/x:1') as { why: string }).why, /names the registry localhost:5000/);
    assert.deepEqual(mirrorPath('registry.lab:5000/x'), { why: 'it has no tag' });
    assert.deepEqual(mirrorPath('Upper/Case:1'), { why: 'it is not a valid image reference' });
  });

  test("an archive's manifest.json: config digests in both of docker save's layouts, untagged images kept", () => {
    const hex = 'a'.repeat(64);
    const images = parseArchiveManifest(
      JSON.stringify([
        { Config: `${hex}.json`, RepoTags: ['a/b:1', 'a/b:latest'] },
        { Config: `blobs/sha256/${'b'.repeat(64)}`, RepoTags: null },
      ]),
      'x.tar',
    );
    assert.deepEqual(images, [
      { index: 0, tags: ['a/b:1', 'a/b:latest'], configDigest: `sha256:${hex}` },
      { index: 1, tags: [], configDigest: `sha256:${'b'.repeat(64)}` },
    ]);
    assert.throws(() => parseArchiveManifest('{}', 'x.tar'), /x\.tar: its manifest\.json is not a list of images/);
    assert.throws(() => parseArchiveManifest('[{"RepoTags":["a:1"]}]', 'x.tar'), /image 0 of its manifest\.json names no config/);
  });

  test("a service's log: the reason it stopped, not the stack trace after it", () => {
    const log = [
      'time="…" level=info msg="redis not configured"',
      'panic: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host',
      '',
      'goroutine 1 [running]:',
      'main.main()',
      '\tgithub.com/docker/distribution/cmd/registry/main.go:22 +0x25',
    ].join('\n');
    assert.deepEqual(whyInLog(log), ['panic: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host']);
    assert.deepEqual(whyInLog('a\nb\nc\nd\ne'), ['b', 'c', 'd', 'e']);
  });
});
