import os from 'node:os';
import type { Argv, CommandModule } from 'yargs';
import { err, out } from './console.js';
import { interruptibly } from './interrupt.js';
import { labOptions, type LabArgs } from './options.js';
import type { ServiceStatus } from '../host-services/lab-services.js';
import type { ServiceName } from '../host-services/services/index.js';
import { formatTable } from '../table.js';
import { formatBytes } from '../units.js';
import { command, commandGroup } from './group.js';

const operations = () => import('../commands/services.js');
// The list of services loads only for these commands' own help and runs, not for `kubelab --help`.
const catalogue = () => import('../host-services/services/index.js');

export function formatServices(services: ServiceStatus[]): string[] {
  if (services.length === 0) return ['no services on the host: the spec turns them all off (`kubelab services --help` lists them)'];
  return formatTable(
    ['SERVICE', 'STATE', 'LISTENS ON', 'STORED', 'CONTENT'],
    services.map((s) => [
      s.name,
      s.state + (s.pid === undefined ? '' : ` (pid ${s.pid})`),
      s.listen ?? '-',
      `${formatBytes(s.storageBytes)} in ${s.storage}`,
      s.repositories === undefined ? '-' : `${s.repositories.length} repositor${s.repositories.length === 1 ? 'y' : 'ies'}`,
    ]),
  );
}

/** Each service kubelab can run, for the help: what turns it on, what it runs, what it keeps where. */
async function serviceListing(): Promise<string> {
  const [{ HOST_SERVICES }, { cacheDir }] = await Promise.all([catalogue(), import('../cache.js')]);
  const home = os.homedir();
  const shown = (dir: string): string => (dir.startsWith(`${home}/`) ? `~${dir.slice(home.length)}` : dir);
  const width = Math.max(...HOST_SERVICES.map((s) => s.name.length)) + 2;
  const lines = HOST_SERVICES.flatMap((s) => [
    `  ${s.name.padEnd(width)}${s.title} (\`${s.specAt.join('.')}\` in the spec), ${s.program}`,
    `  ${''.padEnd(width)}stores in ${shown(s.store(cacheDir(), undefined))}: ${s.holds}`,
  ]);
  return ['The services, each started when the spec turns it on:', ...lines].join('\n');
}

type PruneArgs = LabArgs & { only: ServiceName[] | undefined };

const subcommands: CommandModule[] = [
  command<LabArgs>({
    command: 'up',
    describe: "Start the lab's services on the host that the spec turns on (listed below), and push the images folder to the lab registry",
    builder: async (y) => labOptions(y).epilog(await serviceListing()),
    handler: async (args) => {
      const { servicesUp } = await operations();
      const result = await interruptibly(err, (signal) => servicesUp({ spec: args.spec, out: args.out, log: err, signal }));
      for (const s of result.services) out(`${s.name}: ${s.outcome === 'running' ? 'already running' : s.outcome} on ${s.listen}`);
      if (result.push) out(`images: ${result.push.pushed.length} pushed, ${result.push.present.length} already there (${result.push.seconds.toFixed(1)}s)`);
    },
  }),
  command<LabArgs>({
    command: 'down',
    describe: "Stop the lab's services on the host; what they stored stays for the next lab",
    builder: (y) => labOptions(y),
    handler: async (args) => {
      const { servicesDown } = await operations();
      const stopped = await servicesDown({ out: args.out });
      out(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'nothing was running');
    },
  }),
  command<LabArgs & { json: boolean }>({
    command: 'status',
    describe: 'Show what runs on the host for the lab, where it listens, and what it stores',
    builder: (y) => labOptions(y).option('json', { type: 'boolean', default: false, describe: 'Print JSON for scripts' }) as Argv<LabArgs & { json: boolean }>,
    handler: async (args) => {
      const { servicesStatus } = await operations();
      const services = await servicesStatus({ spec: args.spec, out: args.out });
      out(args.json ? JSON.stringify(services, (_k, v: unknown) => (v === undefined ? null : v), 2) : formatServices(services).join('\n'));
    },
  }),
  command<PruneArgs>({
    command: 'prune',
    describe: "Empty the stores every lab on this host shares (all, or those --only names); stops this lab's services first",
    builder: async (y) =>
      labOptions(y).option('only', {
        type: 'string',
        array: true,
        choices: (await catalogue()).SERVICE_NAMES,
        describe: 'Empty only these stores (default: all)',
      }) as Argv<PruneArgs>,
    handler: async (args) => {
      const { servicesPrune } = await operations();
      const { stopped, pruned } = await servicesPrune({ out: args.out, stores: args.only });
      if (stopped.length > 0) out(`stopped ${stopped.join(', ')}; \`kubelab services up\` starts them again`);
      for (const p of pruned) out(`${p.name}: freed ${formatBytes(p.freedBytes)} (${p.storage})`);
    },
  }),
];

export const servicesCommand = commandGroup(
  'services',
  "The lab's services on the host, its registry and caches: start, stop, show, empty",
  subcommands,
  async () => [
    await serviceListing(),
    "Each listens only on the host's address in the lab's private network (its first address). `kubelab apply` starts them and `kubelab destroy` stops them.",
    'What they store is shared by every lab on this host and outlives destroy; `prune` empties it.',
  ],
  ['registry'],
);
