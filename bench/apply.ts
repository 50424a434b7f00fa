/**
 * Times `kubelab apply --machines-only` (machines up and provisioned, no RKE) with the docker
 * provider for 1, 3 and 6 nodes, one machine at a time (--jobs 1) against all at once, and prints
 * the table. Not a test: numbers depend on the machine. Run: npm run bench
 */
import { execa } from 'execa';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');
const SIZES = (process.env.KUBELAB_BENCH_SIZES ?? '1,3,6').split(',').map(Number);
// A network of the benchmark's own, created by Vagrant for the lab and removed by destroy.
const CIDR = '192.168.240.0/24';

function spec(workers: number): string {
  const nodes = ['  - name: cp', '    roles: [etcd, controlplane, worker]'];
  if (workers > 0) nodes.push('  - name: worker', `    count: ${workers}`, '    roles: [worker]');
  return ['name: klbench', 'provider:', '  type: docker', 'network:', `  cidr: ${CIDR}`, 'defaults:', '  cpus: 1', '  memory: 1G', 'nodes:', ...nodes, ''].join('\n');
}

async function timeApply(nodes: number, jobs: number): Promise<number> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelab-bench-'));
  try {
    await fs.writeFile(path.join(dir, 'kubelab.yaml'), spec(nodes - 1));
    const started = process.hrtime.bigint();
    const result = await execa('node', [cli, 'apply', '--machines-only', '--jobs', String(jobs)], { cwd: dir, reject: false, all: true });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.failed) throw new Error(`apply of ${nodes} node(s) with --jobs ${jobs} failed:\n${result.all}`);
    return seconds;
  } finally {
    await execa('node', [cli, 'destroy'], { cwd: dir, reject: false });
    await fs.remove(dir);
  }
}

const rows: string[][] = [['nodes', 'serial (--jobs 1)', 'concurrent (--jobs N)', 'speed-up']];
for (const nodes of SIZES) {
  const serial = await timeApply(nodes, 1);
  const concurrent = nodes === 1 ? serial : await timeApply(nodes, nodes);
  rows.push([String(nodes), `${serial.toFixed(1)} s`, `${concurrent.toFixed(1)} s`, `${(serial / concurrent).toFixed(2)}x`]);
  process.stderr.write(`${nodes} node(s): serial ${serial.toFixed(1)} s, concurrent ${concurrent.toFixed(1)} s\n`);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
console.log(`(${os.cpus().length} CPUs; kubelab apply --machines-only with the docker provider)`);
