import type { Argv, CommandModule } from 'yargs';
import { err, out } from './console.js';
import { interruptibly } from './interrupt.js';
import { checkPathOptions, labOptions, type LabArgs } from './options.js';
import type { SnapshotListing } from '../commands/snapshot.js';
import { formatTable } from '../table.js';
import { formatBytes } from '../units.js';
import { busyOptions, busyPolicy, type BusyArgs } from './busy.js';
import { command, commandGroup } from './group.js';

const operations = () => import('../commands/snapshot.js');

type NameArgs = LabArgs & BusyArgs & { name: string; timeout: number };

function nameOptions<T>(y: Argv<T>, what: string): Argv<NameArgs> {
  return busyOptions(labOptions(y)).positional('name', { type: 'string', demandOption: true, describe: what }).option('timeout', {
    type: 'number',
    default: 300,
    describe: 'Seconds the cluster may take to be healthy again once the machines start',
  }) as unknown as Argv<NameArgs>;
}

export function formatSnapshots(snapshots: SnapshotListing[]): string[] {
  if (snapshots.length === 0) return ['no snapshots: `kubelab snapshot save NAME` takes one'];
  return formatTable(
    ['NAME', 'TAKEN', 'NODES', 'SIZE', 'KUBERNETES', 'STATUS'],
    snapshots.map((s) => [
      s.name,
      s.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z') || '-',
      s.nodes.length === 0 ? '-' : `${s.nodes.length} (${s.nodes.join(', ')})`,
      s.bytes === undefined ? '-' : formatBytes(s.bytes),
      s.kubernetesVersion || '-',
      s.status === 'partial' ? 'partial (a save that did not finish; delete it)' : s.status === 'missing' ? "missing (the provider's copy is gone)" : s.status,
    ]),
  );
}

const subcommands: CommandModule[] = [
  command<NameArgs & { force: boolean; rke: string | undefined }>({
    command: 'save <name>',
    describe: 'Stop every machine, save them all at that one moment with the host files and an etcd archive, and start them again',
    builder: (y) =>
      nameOptions(y, "The snapshot's name (lowercase letters, digits, . _ -)")
        .option('force', { type: 'boolean', default: false, describe: 'Replace a snapshot of the same name' })
        .option('rke', { type: 'string', describe: "The rke that saves etcd's archive (default: the kit's, else rke on PATH)" })
        .check((args) => checkPathOptions(args, ['rke'])) as Argv<NameArgs & { force: boolean; rke: string | undefined }>,
    handler: async (args) => {
      const { snapshotSave } = await operations();
      const { record, totalSeconds } = await interruptibly(err, (signal) =>
        snapshotSave({
          spec: args.spec,
          out: args.out,
          name: args.name,
          force: args.force,
          rke: args.rke,
          log: err,
          signal,
          timeoutMs: args.timeout * 1000,
          ...busyPolicy(args),
        }),
      );
      const size = record.machineBytes === undefined ? '' : `, ${formatBytes(record.machineBytes + record.hostBytes)}`;
      out(`saved snapshot ${record.name}: ${record.nodes.length} node(s)${size} in ${totalSeconds.toFixed(1)}s; the cluster is healthy again`);
    },
  }),
  command<NameArgs>({
    command: 'restore <name>',
    describe:
      'Stop every machine, put all of them and the host files back as the snapshot has them, start them together, and wait until the cluster is healthy',
    builder: (y) => nameOptions(y, 'The snapshot to restore'),
    handler: async (args) => {
      const { snapshotRestore } = await operations();
      const result = await interruptibly(err, (signal) =>
        snapshotRestore({ spec: args.spec, out: args.out, name: args.name, log: err, signal, timeoutMs: args.timeout * 1000, ...busyPolicy(args) }),
      );
      const s = result.seconds;
      out(
        `restored snapshot ${result.record.name} in ${s.total.toFixed(1)}s (stop ${s.stop.toFixed(1)}s, restore ${s.copy.toFixed(1)}s, start ${s.start.toFixed(1)}s, healthy after ${s.healthy.toFixed(1)}s more): etcd has its ${result.record.etcdMembers.length} member(s), every node renewed its Lease`,
      );
      if (result.changedFiles.length > 0) {
        out(`note: ${result.changedFiles.join(', ')} changed since the snapshot; \`kubelab apply\` brings the restored cluster to what the spec says now`);
      }
    },
  }),
  command<LabArgs & { json: boolean }>({
    command: 'list',
    describe: "Show the lab's snapshots: name, when, nodes, size on the host, Kubernetes version",
    builder: (y) => labOptions(y).option('json', { type: 'boolean', default: false, describe: 'Print JSON for scripts' }) as Argv<LabArgs & { json: boolean }>,
    handler: async (args) => {
      const { snapshotList } = await operations();
      const snapshots = await snapshotList({ out: args.out });
      out(args.json ? JSON.stringify(snapshots, (_k, v: unknown) => (v === undefined ? null : v), 2) : formatSnapshots(snapshots).join('\n'));
    },
  }),
  command<LabArgs & BusyArgs & { name: string }>({
    command: 'delete <name>',
    describe: 'Remove a snapshot and free the space it takes',
    builder: (y) =>
      busyOptions(labOptions(y)).positional('name', { type: 'string', demandOption: true, describe: 'The snapshot to delete' }) as Argv<
        LabArgs & BusyArgs & { name: string }
      >,
    handler: async (args) => {
      const { snapshotDelete } = await operations();
      const freed = await interruptibly(err, (signal) => snapshotDelete({ out: args.out, name: args.name, log: err, signal, ...busyPolicy(args) }));
      out(`deleted snapshot ${args.name}${freed === undefined ? '' : `: freed ${formatBytes(freed)}`}`);
    },
  }),
];

export const snapshotCommand = commandGroup(
  'snapshot',
  'Save the whole lab at one moment and go back to it in about a minute: save, restore, list, delete',
  subcommands,
  [
    "A snapshot is one cut through every machine: all stop, all are saved, all start again; a restore stops all, puts every machine back from the same snapshot, then starts them together. It also holds RKE's state, the kubeconfig and an `rke etcd snapshot-save` archive.",
    "A restore is refused when the nodes, their IPs or machines, the provider or the Kubernetes version differ from the snapshot's, or while a fault is active, and it returns only once etcd has the snapshot's members, all healthy, and every node renewed its Lease.",
    "Snapshots live in out/.kubelab/snapshots (the docker provider keeps the machines' state in a Docker volume per snapshot) and go with `kubelab destroy`.",
  ],
);
