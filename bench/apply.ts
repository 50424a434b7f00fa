/**
 * kubelab's speed, measured here (not a test: numbers depend on the machine). Run: npm run bench
 *
 * 1. The offline kit: `kubelab kit build` with nothing changed, and (KUBELAB_BENCH_COLD=1) from an
 *    empty cache, which downloads every Go module and compiles everything (many minutes).
 * 2. A real cluster: `kubelab apply` of a 1-node and a 3-node docker-provider lab on the kit, to
 *    every node Ready, split into machines (up and provisioned, the kit's images loaded), `rke up`,
 *    and the wait for Ready after it. Beside it, the single-node figures minikube publishes.
 *    On the 3-node lab, a worker added by one more `apply`. Then a lab at size: 3 etcd+controlplane
 *    nodes and 9 workers, with what `kubelab doctor` said of the host's limits first, the sysctls
 *    `doctor --fix` raised for it (put back afterwards), and the host memory its machines use.
 * 3. (KUBELAB_BENCH_MACHINES=1) `apply --machines-only` for 1, 3 and 6 machines, one at a time
 *    against all at once.
 *
 * Needs what the tests need: a running Docker daemon, Vagrant, and the sources the Go module proxy
 * refuses (KUBELAB_KIT_SOURCES, default ../shared/third_party).
 */
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, TIMEOUTS } from '../src/exec/run.js';
import { formatTable } from '../src/table.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'src', 'cli.js');
const SOURCES = process.env.KUBELAB_KIT_SOURCES ?? path.resolve(root, '..', 'shared', 'third_party');
// A network of the benchmark's own, created by Vagrant for the lab and removed by destroy.
const CIDR = '192.168.240.0/24';
// minikube's published time-to-Kubernetes benchmark (single node, seconds).
const PUBLISHED = { kind: 33, k3d: 20, minikube: 51 };

function spec(workers: number, images: 'kit' | 'rancher', controlplanes = 1): string {
  const nodes =
    controlplanes === 1
      ? ['  - name: cp', `    roles: [etcd, controlplane${workers === 0 ? ', worker' : ''}]`, '    memory: 3G']
      : ['  - name: cp', `    count: ${controlplanes}`, '    roles: [etcd, controlplane]', '    memory: 2G'];
  if (workers > 0) nodes.push('  - name: worker', `    count: ${workers}`, '    roles: [worker]', `    memory: ${controlplanes === 1 ? '1536M' : '1G'}`);
  return [
    'name: klbench',
    'provider:',
    '  type: docker',
    'network:',
    `  cidr: ${CIDR}`,
    'defaults:',
    '  cpus: 2',
    '  memory: 1536M',
    'nodes:',
    ...nodes,
    'images:',
    `  system: ${images}`,
    // The pull-through cache's upstream is Docker Hub: nothing leaves the host here.
    'registry:',
    '  pullThrough:',
    '    enabled: false',
    '',
  ].join('\n');
}

async function kubelab(cwd: string, args: string[], env: Record<string, string> = {}) {
  const started = process.hrtime.bigint();
  const result = await run('node', [cli, ...args], { cwd, env, timeoutMs: TIMEOUTS.none });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (!result.ok) throw new Error(`kubelab ${args.join(' ')} failed:\n${result.all}`);
  return { seconds, stdout: String(result.stdout) };
}

async function inLab<T>(nodes: number, images: 'kit' | 'rancher', work: (dir: string) => Promise<T>, controlplanes = 1): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelab-bench-'));
  try {
    await fs.writeFile(path.join(dir, 'kubelab.yaml'), spec(nodes - controlplanes, images, controlplanes));
    return await work(dir);
  } finally {
    await run('node', [cli, 'destroy'], { cwd: dir, timeoutMs: TIMEOUTS.none });
    await fs.remove(dir);
  }
}

/** `apply`'s phases as it prints them, and its whole time. */
async function applyPhases(dir: string, jobs: number): Promise<number[]> {
  const apply = await kubelab(dir, ['apply', '--jobs', String(jobs)]);
  const m = /\(machines ([0-9.]+)s, rke up ([0-9.]+)s, nodes Ready ([0-9.]+)s later\)/.exec(apply.stdout);
  if (!m) throw new Error(`no phase times in apply's output:\n${apply.stdout}`);
  return [Number(m[1]), Number(m[2]), Number(m[3]), apply.seconds];
}

/** The resident memory of the lab's machines (their containers' cgroups), in MiB. */
async function machinesMemoryMiB(dir: string): Promise<number[]> {
  const ids = await fs.readdir(path.join(dir, 'out', '.vagrant', 'machines'));
  const stats = await run('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', ...ids.map((n) => `klbench-${n}`)]);
  return String(stats.stdout)
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, value, unit] = /\s([0-9.]+)(MiB|GiB)\s/.exec(line) ?? [];
      return Number(value) * (unit === 'GiB' ? 1024 : 1);
    });
}

/** The sysctls (as /proc/sys paths) that `doctor --fix` would write for the lab in `dir`. */
async function sysctlsDoctorWouldRaise(dir: string): Promise<string[]> {
  const judged = await run('node', [cli, 'doctor', '--json'], { cwd: dir, timeoutMs: TIMEOUTS.none });
  const check = JSON.parse(String(judged.stdout)) as { limits: { remedy?: { sysctl?: string } }[] };
  return check.limits.flatMap((limit) => (limit.remedy?.sysctl ? [limit.remedy.sysctl.replaceAll('.', '/')] : []));
}

const table = ([header, ...rows]: string[][]): void => console.log(formatTable(header!, rows).join('\n'));
const s = (seconds: number): string => `${seconds.toFixed(1)} s`;

// 1. The kit.
const kitRows = [['kit build', 'time']];
if (process.env.KUBELAB_BENCH_COLD) {
  const cache = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelab-bench-cache-'));
  try {
    const cold = await kubelab(root, ['kit', 'build', '--sources', SOURCES, '--images-dir', path.join(cache, 'images')], { KUBELAB_CACHE_DIR: cache });
    kitRows.push(['cold (empty module and build caches)', s(cold.seconds)]);
  } finally {
    await run('chmod', ['-R', 'u+w', cache]);
    await fs.remove(cache);
  }
}
await kubelab(root, ['kit', 'build', '--sources', SOURCES]);
const warm = await kubelab(root, ['kit', 'build', '--sources', SOURCES]);
kitRows.push(['nothing changed', s(warm.seconds)]);
table(kitRows);
console.log();

// 2. A real cluster. The kubelet rewrites these host-wide sysctls (a container shares the kernel):
// they are put back afterwards, as the tests do.
const HOST_SYSCTLS = ['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops'];
const sysctls = new Map(await Promise.all(HOST_SYSCTLS.map(async (k) => [k, (await fs.readFile(`/proc/sys/${k}`, 'utf8')).trim()] as const)));
process.on('exit', () => {
  for (const [key, value] of sysctls) {
    try {
      fs.writeFileSync(`/proc/sys/${key}`, value);
    } catch {
      // Not root, or a read-only /proc/sys: nothing was changed by this user either.
    }
  }
});
const PHASES_HEADER = ['nodes', 'machines', 'rke up', 'to Ready', 'apply, total'];
const clusterRows = [PHASES_HEADER];
for (const nodes of [1, 3]) {
  const phases = await inLab(nodes, 'kit', async (dir): Promise<number[][]> => {
    await kubelab(dir, ['kit', 'build', '--sources', SOURCES]);
    const first = await applyPhases(dir, nodes);
    if (nodes !== 3) return [first];
    // One more worker: the group's count raised, one apply.
    const file = path.join(dir, 'kubelab.yaml');
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('count: 2', 'count: 3'));
    return [first, await applyPhases(dir, 3)];
  });
  const [first, added] = phases;
  clusterRows.push([String(nodes), ...first!.map(s)]);
  process.stderr.write(`${nodes} node(s): ${first!.map(s).join(', ')}\n`);
  if (added) {
    clusterRows.push([`${nodes} + 1 worker added`, ...added.map(s)]);
    process.stderr.write(`a worker added: ${added.map(s).join(', ')}\n`);
  }
}
table(clusterRows);
console.log(
  `published single-node time to Kubernetes (minikube's benchmark): ${Object.entries(PUBLISHED)
    .map(([k, v]) => `${k} ${v} s`)
    .join(', ')}`,
);

// A lab at size: 3 etcd+controlplane nodes and 9 workers. The host's limits are read first;
// `doctor --fix` raises those too low for it (the remedies `doctor --json` names), each put back on exit.
{
  const AT_SIZE = 12;
  console.log();
  const [phases, doctor, memory] = await inLab(
    AT_SIZE,
    'kit',
    async (dir) => {
      await kubelab(dir, ['kit', 'build', '--sources', SOURCES]);
      const judged = await run('node', [cli, 'doctor'], { cwd: dir, timeoutMs: TIMEOUTS.none });
      for (const key of await sysctlsDoctorWouldRaise(dir)) sysctls.set(key, (await fs.readFile(`/proc/sys/${key}`, 'utf8')).trim());
      const fixed = await run('node', [cli, 'doctor', '--fix'], { cwd: dir, timeoutMs: TIMEOUTS.none });
      if (!fixed.ok) throw new Error(`kubelab doctor --fix failed:\n${fixed.all}`);
      const applied = await applyPhases(dir, 4);
      return [applied, String(judged.stdout), await machinesMemoryMiB(dir)] as const;
    },
    3,
  );
  console.log(`before the ${AT_SIZE}-node lab, kubelab doctor said:\n${doctor.trim()}`);
  table([PHASES_HEADER, [`${AT_SIZE} (3 etcd+controlplane, 9 workers)`, ...phases.map(s)]]);
  const total = memory.reduce((a, b) => a + b, 0);
  console.log(`host memory of its machines: ${(total / 1024).toFixed(1)} GiB, ${(total / memory.length).toFixed(0)} MiB a machine (${memory.length} machines)`);
}

// 3. Machines only.
if (process.env.KUBELAB_BENCH_MACHINES) {
  console.log();
  const rows = [['machines', 'serial (--jobs 1)', 'concurrent (--jobs N)', 'speed-up']];
  for (const nodes of [1, 3, 6]) {
    const time = async (jobs: number): Promise<number> =>
      inLab(nodes, 'rancher', async (dir) => (await kubelab(dir, ['apply', '--machines-only', '--jobs', String(jobs)])).seconds);
    const serial = await time(1);
    const concurrent = nodes === 1 ? serial : await time(nodes);
    rows.push([String(nodes), s(serial), s(concurrent), `${(serial / concurrent).toFixed(2)}x`]);
  }
  table(rows);
}
console.log(`(${os.cpus().length} CPUs; docker provider)`);
