/**
 * Delivering the offline kit's images to 1, 3 and 6 nodes (not a test: the numbers depend on the
 * machine). Run: npm run bench (or npm run bench:images).
 *
 * The same six docker-provider machines (`kubelab apply --machines-only`) serve both ways:
 * - tarballs: every node loads the kit's whole tarball (`docker load`, all nodes at once), as
 *   provisioning does with `registry.enabled: false`; it reads the tarball once per node.
 * - registry, cold: `kubelab services up` into an empty store (it unpacks the tarball and pushes
 *   every image once), then every node pulls every kit image through its registry mirror. A node of
 *   a real lab pulls only what it runs, so this is the upper bound.
 * - registry, warm: the store already holds the images (the next lab): the pulls alone.
 * Bytes: what was read from the images' store, the tarball for `docker load`; for the registry, the
 * bytes it sent (its access log) plus, cold, what the push read (the tarball and its unpacked copy).
 *
 * The lab's kubelab runs with a cache folder of its own, so the bench never empties yours; only the
 * kit's tarball is taken from it (build it first: `kubelab kit build`).
 */
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kitSystemImages } from '../src/kit/components.js';
import { cacheDir } from '../src/cache.js';
import { run, TIMEOUTS } from '../src/exec/run.js';
import { formatTable } from '../src/table.js';
import { formatBytes } from '../src/units.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'src', 'cli.js');
const VERSION = 'v1.32.5-rancher1-1';
// A network of the benchmark's own, created by Vagrant for the lab and removed by destroy.
const CIDR = '192.168.241.0/24';
// KUBELAB_BENCH_NODES=6 measures one size only.
const COUNTS = (process.env.KUBELAB_BENCH_NODES ?? '1,3,6').split(',').map(Number);
const MACHINES = Math.max(...COUNTS);

const SPEC = `name: klimages
provider:
  type: docker
network:
  cidr: ${CIDR}
defaults:
  cpus: 1
  memory: 1G
nodes:
  - name: cp
    roles: [etcd, controlplane]
  - name: node
    count: ${MACHINES - 1}
    roles: [worker]
registry:
  pullThrough:
    enabled: false
`;

async function must(file: string, args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<string> {
  const result = await run(file, args, { ...options, timeoutMs: TIMEOUTS.none });
  if (!result.ok) throw new Error(`${file} ${args.join(' ')} failed:\n${result.all}`);
  return result.stdout;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Bytes the registry sent: the sizes its access log gives for blob and manifest GETs. */
async function bytesServed(logFile: string): Promise<number> {
  const log = await fs.readFile(logFile, 'utf8').catch(() => '');
  return [...log.matchAll(/^\S+ - - \[[^\]]*\] "GET \/v2\/\S+ HTTP\/[\d.]+" 200 (\d+) /gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

const kitManifest = (await fs.readJson(path.join(cacheDir(), 'kit', 'built', `${VERSION}.json`))) as { tarball: string };
const tarball = kitManifest.tarball;
const tarballBytes = (await fs.stat(tarball)).size;
const images = [...new Set(Object.values(kitSystemImages(VERSION)))];

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelab-bench-images-'));
const env = { KUBELAB_CACHE_DIR: path.join(dir, 'cache') };
const imagesDir = path.join(dir, '.images');
const outDir = path.join(dir, 'out');
const registryLog = path.join(outDir, '.kubelab', 'logs', 'registry.log');
const kubelab = (args: string[]): Promise<string> => must('node', [cli, ...args], { cwd: dir, env });
try {
  await fs.writeFile(path.join(dir, 'kubelab.yaml'), SPEC);
  await fs.mkdirp(imagesDir);
  process.stderr.write(`starting ${MACHINES} machines\n`);
  await kubelab(['apply', '--machines-only', '--jobs', String(MACHINES)]);
  const containers = (await must('docker', ['ps', '--filter', 'name=klimages-', '--format', '{{.Names}}'])).split('\n').filter(Boolean).sort();
  if (containers.length !== MACHINES) throw new Error(`expected ${MACHINES} machines, found ${containers.join(', ')}`);
  const onNode = (container: string, script: string, input?: string): Promise<string> =>
    must('docker', ['exec', ...(input === undefined ? [] : ['-i']), container, 'bash', '-c', script], input === undefined ? {} : {});
  const forget = (nodes: string[]): Promise<unknown> =>
    Promise.all(nodes.map((c) => onNode(c, `docker image rm -f ${images.join(' ')} > /dev/null 2>&1; docker image prune -f > /dev/null`)));

  const rows = [['nodes', 'tarballs: time', 'bytes read', 'registry cold: time', 'bytes', 'registry warm: time', 'bytes', 'speed-up (warm)']];
  for (const count of COUNTS) {
    const nodes = containers.slice(0, count);

    // Tarballs: the same bytes a shared folder gives docker load, one read per node.
    const tarTime = await timed(() =>
      Promise.all(nodes.map((c) => must('bash', ['-c', `docker exec -i "$1" docker load --quiet < "$2"`, 'load', c, tarball]))),
    );
    await forget(nodes);

    // Registry, cold: an empty store, the push, then the pulls.
    await kubelab(['services', 'down']);
    await fs.remove(path.join(env.KUBELAB_CACHE_DIR, 'registry'));
    await fs.remove(imagesDir);
    await fs.mkdirp(imagesDir);
    await fs.link(tarball, path.join(imagesDir, path.basename(tarball)));
    await fs.remove(registryLog);
    const pull = (): Promise<unknown> => Promise.all(nodes.map((c) => onNode(c, images.map((i) => `docker pull -q ${i} > /dev/null`).join(' && '))));
    const coldTime = await timed(async () => {
      await kubelab(['services', 'up']);
      await pull();
    });
    const plainBytes = (await must('bash', ['-c', 'pigz -dc -- "$1" | wc -c', 'size', tarball])).trim();
    const coldBytes = (await bytesServed(registryLog)) + tarballBytes + Number(plainBytes);
    await forget(nodes);

    // Registry, warm: the pulls alone.
    const servedBefore = await bytesServed(registryLog);
    const warmTime = await timed(pull);
    const warmBytes = (await bytesServed(registryLog)) - servedBefore;
    await forget(nodes);

    const row = [
      String(count),
      `${tarTime.toFixed(1)} s`,
      formatBytes(tarballBytes * count),
      `${coldTime.toFixed(1)} s`,
      formatBytes(coldBytes),
      `${warmTime.toFixed(1)} s`,
      formatBytes(warmBytes),
      `${(tarTime / warmTime).toFixed(2)}x (cold ${(tarTime / coldTime).toFixed(2)}x)`,
    ];
    rows.push(row);
    process.stderr.write(`${row.join('  ')}\n`);
  }
  console.log(formatTable(rows[0]!, rows.slice(1)).join('\n'));
  console.log(
    `(kit: ${formatBytes(tarballBytes)} compressed, ${images.length} images; ${os.cpus().length} CPUs; docker provider; every node gets every image)`,
  );
} finally {
  await run('node', [cli, 'destroy'], { cwd: dir, env, timeoutMs: TIMEOUTS.none });
  await fs.remove(dir);
}
