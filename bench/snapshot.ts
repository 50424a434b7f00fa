/**
 * Back to a known-good cluster: `kubelab snapshot restore` beside `destroy` + `apply` for the same
 * 3-node docker-provider lab (three etcd members), in one run (not a test: the numbers depend on
 * the machine). Run: npm run bench (or npm run bench:snapshot). The goal: a restore under 90 s,
 * and at least 3x faster than destroy + apply.
 *
 * Order: apply → save → break (a namespace, one etcd member's data wiped) → restore → restore
 * again with nothing changed → destroy → apply. Every restore returns once etcd has its members
 * healthy and every node renewed its Lease. Builds the kit into its folder first (seconds when cached).
 */
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, TIMEOUTS } from '../src/exec/run.js';
import { formatTable } from '../src/table.js';
import { formatBytes } from '../src/units.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'src', 'cli.js');
// A network of the benchmark's own, created by Vagrant for the lab and removed by destroy.
const CIDR = '192.168.242.0/24';
const SOURCES = process.env.KUBELAB_KIT_SOURCES ?? path.resolve(root, '..', 'shared', 'third_party');

const SPEC = `name: klsnapbench
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
    memory: 2G
  - name: worker
    count: 2
    roles: [etcd, worker]
registry:
  pullThrough:
    enabled: false
`;

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelab-bench-snapshot-'));

async function kubelab(...args: string[]): Promise<{ seconds: number; stdout: string }> {
  process.stderr.write(`kubelab ${args.join(' ')}\n`);
  const started = process.hrtime.bigint();
  const result = await run('node', [cli, ...args], { cwd: dir, timeoutMs: TIMEOUTS.none });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (!result.ok) throw new Error(`kubelab ${args.join(' ')} failed:\n${result.all}`);
  return { seconds, stdout: result.stdout };
}

try {
  await fs.writeFile(path.join(dir, 'kubelab.yaml'), SPEC);
  // Into the lab's own images folder; seconds when the kit is cached (~/.cache/kubelab).
  await kubelab('kit', 'build', '--sources', SOURCES);
  await kubelab('apply', '--jobs', '3');
  const save = await kubelab('snapshot', 'save', 'base');
  const [listed] = JSON.parse((await kubelab('snapshot', 'list', '--json')).stdout) as { bytes: number }[];

  await kubelab('kubectl', 'create', 'namespace', 'after-snap');
  const member = (await run('docker', ['ps', '--filter', 'name=klsnapbench-worker-2', '--format', '{{.ID}}'])).stdout.trim();
  await run('docker', ['exec', member, 'sh', '-c', 'docker stop etcd >/dev/null && rm -rf /var/lib/etcd/member']);
  const restore = await kubelab('snapshot', 'restore', 'base');
  const unchanged = await kubelab('snapshot', 'restore', 'base');

  const destroy = await kubelab('destroy');
  const apply = await kubelab('apply', '--jobs', '3');
  const baseline = destroy.seconds + apply.seconds;

  const phases = (line: string): string => /\((stop .*?)\)/.exec(line)?.[1] ?? '';
  const rows = [
    ['step', 'time', 'detail'],
    ['snapshot save', `${save.seconds.toFixed(1)} s`, `${formatBytes(listed?.bytes ?? 0)} on the host, incl. rke's etcd archive`],
    ['snapshot restore (after breaking)', `${restore.seconds.toFixed(1)} s`, phases(restore.stdout)],
    ['snapshot restore (nothing changed)', `${unchanged.seconds.toFixed(1)} s`, phases(unchanged.stdout)],
    ['destroy + apply', `${baseline.toFixed(1)} s`, `destroy ${destroy.seconds.toFixed(1)} s, apply ${apply.seconds.toFixed(1)} s`],
  ];
  console.log(formatTable(rows[0]!, rows.slice(1)).join('\n'));
  console.log(
    `restore is ${(baseline / restore.seconds).toFixed(1)}x faster than destroy + apply (goal: 3x, and under 90 s); ${os.cpus().length} CPUs, docker provider, 3 nodes, 3 etcd members`,
  );
} finally {
  await run('node', [cli, 'destroy'], { cwd: dir, timeoutMs: TIMEOUTS.none });
  await fs.remove(dir);
}
