/**
 * Start-up and generate speed, beside a bare `node -e 0` (not a test: numbers depend on the
 * machine). Run: npm run bench:startup (npm run bench runs it first).
 *
 * Goals (issue 8): `kubelab --help` under 150 ms wall, `validate` of the example under 250 ms,
 * `generate` of a 50-node spec under 500 ms. generate is measured twice: with an empty cache, when
 * prettier formats every file, and with the formatted files in kubelab's cache.
 */
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/exec/run.js';
import { formatTable } from '../src/table.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'src', 'cli.js');
const RUNS = Number(process.env.KUBELAB_BENCH_RUNS ?? 9);

const BIG_SPEC = [
  'name: big',
  'provider:',
  '  type: docker',
  'network:',
  '  cidr: 192.168.250.0/24',
  'nodes:',
  '  - name: cp',
  '    roles: [etcd, controlplane]',
  '  - name: w',
  '    count: 49',
  '    roles: [worker]',
  '',
].join('\n');

async function wallMs(args: string[], cwd: string, env: Record<string, string>, before?: () => Promise<void>): Promise<number> {
  await before?.();
  const started = process.hrtime.bigint();
  const result = await run(args[0]!, args.slice(1), { cwd, env });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!result.ok) throw new Error(`${args.join(' ')} failed:\n${result.all}`);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(args: string[], cwd: string, env: Record<string, string>, before?: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await wallMs(args, cwd, env, before));
  return median(times);
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelab-bench-startup-'));
try {
  const cache = path.join(dir, 'cache');
  const env = { KUBELAB_CACHE_DIR: cache };
  const big = path.join(dir, 'big');
  await fs.outputFile(path.join(big, 'kubelab.yaml'), BIG_SPEC);
  const freshOut = (): Promise<void> => fs.remove(path.join(big, 'out'));
  const rows: [string, number, number | undefined][] = [
    ['node -e 0', await measure(['node', '-e', '0'], dir, env), undefined],
    ['kubelab --help', await measure(['node', cli, '--help'], dir, env), 150],
    ['kubelab validate (the example)', await measure(['node', cli, 'validate'], root, env), 250],
    [
      'kubelab generate, 50 nodes, empty format cache',
      await measure(['node', cli, 'generate'], big, env, async () => Promise.all([freshOut(), fs.remove(cache)]).then(() => undefined)),
      undefined,
    ],
    ['kubelab generate, 50 nodes, warm format cache', await measure(['node', cli, 'generate'], big, env, freshOut), 500],
    ['kubelab generate --check, 50 nodes, warm', await measure(['node', cli, 'generate', '--check'], big, env), 500],
  ];
  const table = formatTable(
    ['command', 'median wall', 'goal'],
    rows.map(([what, ms, goal]) => [what, `${ms.toFixed(0)} ms`, goal === undefined ? '' : `${goal} ms ${ms <= goal ? 'met' : 'MISSED'}`]),
  );
  console.log(table.join('\n'));
  console.log(`(${RUNS} runs each; ${os.cpus().length} CPUs; load average ${os.loadavg()[0]!.toFixed(2)})`);
} finally {
  await fs.remove(dir);
}
