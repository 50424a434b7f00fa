/**
 * Real VMs against containers: `kubelab apply --machines-only` of the same 1-node and 2-node spec
 * on the libvirt provider (QEMU software emulation, TCG, where KVM does not work) and on the docker
 * provider, then `destroy`, in one run (not a test: the numbers depend on the machine). Run:
 * npm run bench (or npm run bench:libvirt). Needs libvirtd (scripts/ensure-libvirtd.sh) and builds
 * the libvirt box when it is missing (`kubelab box build --provider libvirt`).
 */
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kvmVerdict, readKvmFacts } from '../src/providers/libvirt/kvm.js';
import { run, TIMEOUTS } from '../src/exec/run.js';
import { formatTable } from '../src/table.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'src', 'cli.js');
// Networks of the benchmark's own, made for the lab and removed by destroy.
const CIDR = '192.168.243.0/24';

type Provider = 'libvirt' | 'docker';

function spec(provider: Provider, nodes: number, driver: 'kvm' | 'qemu'): string {
  return [
    'name: klvmbench',
    'provider:',
    `  type: ${provider}`,
    ...(provider === 'libvirt' ? ['  libvirt:', `    driver: ${driver}`] : []),
    'network:',
    `  cidr: ${CIDR}`,
    'defaults:',
    '  cpus: 1',
    '  memory: 1G',
    'nodes:',
    '  - name: node',
    ...(nodes > 1 ? [`    count: ${nodes}`] : []),
    '    roles: [etcd, controlplane, worker]',
    'images:',
    '  system: rancher',
    'registry:',
    '  enabled: false',
    '',
  ].join('\n');
}

async function kubelab(cwd: string, args: string[]): Promise<number> {
  process.stderr.write(`kubelab ${args.join(' ')}\n`);
  const started = process.hrtime.bigint();
  const result = await run('node', [cli, ...args], { cwd, timeoutMs: TIMEOUTS.none });
  if (!result.ok) throw new Error(`kubelab ${args.join(' ')} failed:\n${result.all}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const driver = kvmVerdict(await readKvmFacts()).usable ? 'kvm' : 'qemu';
const boxStart = process.hrtime.bigint();
await kubelab(root, ['box', 'build', '--provider', 'libvirt']);
await kubelab(root, ['box', 'build', '--provider', 'docker']);
const boxSeconds = Number(process.hrtime.bigint() - boxStart) / 1e9;

const s = (seconds: number): string => `${seconds.toFixed(1)} s`;
const rows = [['nodes', 'provider', 'apply --machines-only', 'second apply', 'destroy']];
for (const nodes of [1, 2]) {
  for (const provider of ['libvirt', 'docker'] as const) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelab-bench-vm-'));
    try {
      await fs.writeFile(path.join(dir, 'kubelab.yaml'), spec(provider, nodes, driver));
      const up = await kubelab(dir, ['apply', '--machines-only', '--jobs', String(nodes)]);
      const again = await kubelab(dir, ['apply', '--machines-only', '--jobs', String(nodes)]);
      const down = await kubelab(dir, ['destroy']);
      const label = provider === 'libvirt' ? `libvirt (${driver === 'qemu' ? 'TCG' : 'KVM'})` : 'docker';
      rows.push([String(nodes), label, s(up), s(again), s(down)]);
      process.stderr.write(`${rows.at(-1)!.join(', ')}\n`);
    } finally {
      await run('node', [cli, 'destroy'], { cwd: dir, timeoutMs: TIMEOUTS.none });
      await fs.remove(dir);
    }
  }
}
const [header, ...body] = rows;
console.log(formatTable(header!, body).join('\n'));
console.log(`\nboxes up to date in ${s(boxSeconds)}; ${os.cpus().length} CPUs; 1 vCPU and 1 GiB per node.`);
