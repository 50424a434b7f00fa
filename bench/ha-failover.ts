/**
 * The lab's API endpoint, measured here (not a test). Run: npm run bench:ha
 *
 * A docker-provider lab of three etcd+controlplane nodes, a worker and the endpoint kubelab adds
 * (lb, haproxy). Five times: the controlplane node that holds the kube-controller-manager lease
 * loses its power (`kubelab fault crash`), while a client asks /readyz through the endpoint every
 * 200 ms. Measured from the power-off: how long the client went without an answer (the failover as
 * a client sees it), when haproxy took the node out, and when the lease named another node. The
 * node is started again, and the next round waits until it is back in haproxy's pool and Ready.
 *
 * Needs what the tests need: Docker, Vagrant, the kit's sources (KUBELAB_KIT_SOURCES, default
 * ../shared/third_party). Restores the host sysctls the kubelet changes.
 */
import { CoordinationV1Api } from '@kubernetes/client-node';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { apiServerStates, endpointStatsUrl } from '../src/cluster/endpoint.js';
import { ClusterApi } from '../src/cluster/kube.js';
import { run, TIMEOUTS } from '../src/exec/run.js';
import { requestApi } from '../src/scenario/observe/poll.js';
import { formatTable } from '../src/table.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'src', 'cli.js');
const SOURCES = process.env.KUBELAB_KIT_SOURCES ?? path.resolve(root, '..', 'shared', 'third_party');
// A network of the benchmark's own, created by Vagrant for the lab and removed by destroy.
const CIDR = '192.168.241.0/24';
const ENDPOINT = '192.168.241.9';
const ROUNDS = 5;
const SPEC = `name: klhabench
provider:
  type: docker
network:
  cidr: ${CIDR}
defaults:
  cpus: 1
  memory: 1536M
nodes:
  - name: cp
    count: 3
    roles: [etcd, controlplane]
    memory: 2G
  - name: worker
    roles: [worker]
registry:
  pullThrough:
    enabled: false
`;

async function kubelab(cwd: string, args: string[]): Promise<string> {
  const result = await run('node', [cli, ...args], { cwd, timeoutMs: TIMEOUTS.none });
  if (!result.ok) throw new Error(`kubelab ${args.join(' ')} failed:\n${result.all}`);
  return String(result.stdout);
}

/** haproxy's status of each API server. */
async function endpointView(): Promise<Record<string, string>> {
  return apiServerStates(await (await fetch(endpointStatsUrl(ENDPOINT), { signal: AbortSignal.timeout(2000) })).text());
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check().catch(() => false)) return Date.now();
    await sleep(200);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

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

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelab-bench-ha-'));
const rows = [['round', 'node off', 'client without an answer', 'haproxy took it out', 'lease moved']];
const gaps: number[] = [];
const outs: number[] = [];
const moves: number[] = [];
try {
  await fs.writeFile(path.join(dir, 'kubelab.yaml'), SPEC);
  await kubelab(dir, ['kit', 'build', '--sources', SOURCES]);
  await kubelab(dir, ['apply', '--jobs', '3']);
  const cluster = await ClusterApi.open(path.join(dir, 'out', 'kube_config_cluster.yml'));
  const leases = cluster.config.makeApiClient(CoordinationV1Api);
  const holder = async (): Promise<string> =>
    ((await leases.readNamespacedLease({ name: 'kube-controller-manager', namespace: 'kube-system' })).spec?.holderIdentity ?? '').split('_')[0] ?? '';
  for (let round = 1; round <= ROUNDS; round++) {
    const victim = await holder();
    const answers: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const asked = Date.now();
        if ((await requestApi(cluster.config, 'GET', '/readyz', undefined, 1_000)).ok) answers.push(Date.now());
        await sleep(Math.max(0, 200 - (Date.now() - asked)));
      }
    })();
    await sleep(1_000);
    const off = Date.now();
    await kubelab(dir, ['fault', 'crash', victim]);
    const [out, moved] = await Promise.all([
      until(`haproxy to take ${victim} out`, async () => (await endpointView())[victim]?.startsWith('DOWN') === true, 60_000),
      until(`the lease to leave ${victim}`, async () => !['', victim].includes(await holder()), 120_000),
    ]);
    await sleep(3_000);
    polling = false;
    await poller;
    const times = [off, ...answers.filter((t) => t >= off)];
    const gap = Math.max(...times.slice(1).map((t, i) => t - times[i]!));
    gaps.push(gap);
    outs.push(out - off);
    moves.push(moved - off);
    rows.push([String(round), victim, s(gap), s(out - off), s(moved - off)]);
    process.stderr.write(`round ${round}: ${rows.at(-1)!.join(', ')}\n`);
    await kubelab(dir, ['fault', 'start', victim]);
    await until(`${victim} back in haproxy's pool`, async () => (await endpointView())[victim] === 'UP', 300_000);
    await until(
      `${victim} Ready`,
      async () => (await cluster.nodes().then((r) => ('nodes' in r ? r.nodes : []))).some((n) => n.name === victim && n.ready),
      300_000,
    );
  }
  rows.push(['median', '', s(median(gaps)), s(median(outs)), s(median(moves))]);
  console.log(formatTable(rows[0]!, rows.slice(1)).join('\n'));
  console.log(
    `(${os.cpus().length} CPUs; docker provider; haproxy checks /readyz every 2 s, out after 3 failures; RKE's leader election: 15 s lease, 10 s renew deadline, 2 s retry)`,
  );
} finally {
  await run('node', [cli, 'destroy'], { cwd: dir, timeoutMs: TIMEOUTS.none });
  await fs.remove(dir);
}
