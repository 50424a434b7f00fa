import fs from 'fs-extra';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { KubelabError } from '../errors.js';
import { describeFault, formatFaultTable } from '../fault/describe.js';
import { clearFaults, expireAt, injectFault, listFaults, recoverNodes, undoFaults, type FaultEnv } from '../fault/engine.js';
import { FaultInputError } from '../fault/errors.js';
import { HOG_SAFETY_NET_SECONDS } from '../fault/kinds/resource.js';
import { resolveSelector, resolveSelectors } from '../fault/selectors.js';
import { COMPONENTS, labSnapshot, type Component, type FaultParams, type LabSnapshot, type MachineKind } from '../fault/types.js';
import { formatDuration, parseDuration, parseMilliseconds, parsePercent, parseRate, parseSize } from '../fault/units.js';
import { compileSpec } from '../spec/index.js';
import { withLabLock, type BusyPolicy } from '../run/lab-lock.js';
import { sleepUntil } from '../fault/timer.js';
import { labOptions, type LabArgs } from './options.js';
import { err, out } from './console.js';

const env = (args: LabArgs): FaultEnv => {
  const outDir = path.resolve(args.out);
  if (!fs.pathExistsSync(outDir)) throw new KubelabError(`${outDir} does not exist`, { hint: 'name the lab\'s output folder with --out, or bring the lab up with `kubelab apply`' });
  return { outDir, note: err };
};

/**
 * Fault commands change the lab: they hold its lock, so that no apply or destroy runs meanwhile;
 * another fault command (a timer's undo) is short and waited for.
 */
const changingLab = <T>(args: LabArgs, command: string, work: () => Promise<T>, busy: BusyPolicy = 'fail'): Promise<T> =>
  withLabLock(path.resolve(args.out), { command: `fault ${command}`, busy, note: err, waitsFor: (holder) => holder.command.startsWith('fault ') }, work);

/** The lab as the spec describes it, checked to be up: faults act on running machines. */
async function runningLab(args: LabArgs): Promise<LabSnapshot> {
  const { model } = await compileSpec(args.spec, args.out);
  const key = path.join(path.resolve(args.out), model.ssh.privateKeyPath);
  if (!(await fs.pathExists(key))) {
    throw new KubelabError(`lab ${model.name} is not up: ${key} does not exist`, { hint: 'bring it up with `kubelab apply` (--machines-only is enough for most faults)' });
  }
  return labSnapshot(model);
}

/** Reads a value with `parse`, or says what was expected. */
function read<T>(parse: (text: string) => T | undefined, text: string | number, what: string, expected: string): T {
  const value = parse(String(text));
  if (value === undefined) throw new FaultInputError(`${what}: ${JSON.stringify(String(text))} is not ${expected}`);
  return value;
}

type InjectArgs = LabArgs & { for: string | undefined };
type NetworkArgs = InjectArgs & { from: string; to: string; 'one-way': boolean };
type NodeArgs = InjectArgs & { node: string };

function injectOptions<T>(y: Argv<T>): Argv<T & InjectArgs> {
  return labOptions(y).option('for', {
    type: 'string',
    describe: 'Undo the fault by itself after this long (30s, 5m, 1h30m)',
  }) as Argv<T & InjectArgs>;
}

function networkOptions<T>(y: Argv<T>): Argv<T & NetworkArgs> {
  return injectOptions(y)
    .option('from', { type: 'string', demandOption: true, describe: 'Sending side: nodes, roles or groups (SEL)' })
    .option('to', { type: 'string', demandOption: true, describe: 'Receiving side (SEL)' })
    .option('one-way', { type: 'boolean', default: false, describe: 'Only from -> to; without it both directions' }) as Argv<T & NetworkArgs>;
}

function nodeOptions<T>(y: Argv<T>): Argv<T & NodeArgs> {
  return injectOptions(y).option('node', { alias: 'n', type: 'string', demandOption: true, describe: 'Where: nodes, roles or groups (SEL)' }) as Argv<T & NodeArgs>;
}

/** Resolves the selectors, injects, and prints the new fault's id and what it does. */
async function inject(args: InjectArgs, build: (lab: LabSnapshot) => FaultParams): Promise<void> {
  const forMs = args.for === undefined ? undefined : read(parseDuration, args.for, '--for', 'a duration such as 30s, 5m or 1h');
  const lab = await runningLab(args);
  const fault = await changingLab(args, 'inject', () => injectFault(env(args), lab, build(lab), forMs));
  const until = forMs === undefined ? `undo with: kubelab fault undo ${fault.id}` : `undone by itself in ${formatDuration(forMs)} (at ${fault.expiresAt})`;
  out(`${fault.id}: ${describeFault(fault)}; ${until}`);
}

function machineCommand(kind: MachineKind, describe: string): CommandModule<object, InjectArgs & { nodes: string[] }> {
  return {
    command: `${kind} <nodes..>`,
    describe,
    builder: (y) => injectOptions(y).positional('nodes', { type: 'string', array: true, describe: 'Nodes, roles or groups' }) as Argv<InjectArgs & { nodes: string[] }>,
    handler: (args) => inject(args, (lab) => ({ kind, nodes: resolveSelectors(lab.nodes, args.nodes, kind) })),
  };
}

function recoverCommand(op: 'resume' | 'start', describe: string): CommandModule<object, LabArgs & { nodes: string[] }> {
  return {
    command: `${op} <nodes..>`,
    describe,
    builder: (y) => labOptions(y).positional('nodes', { type: 'string', array: true, describe: 'Nodes, roles or groups' }) as Argv<LabArgs & { nodes: string[] }>,
    handler: async (args) => {
      const lab = await runningLab(args);
      const nodes = await changingLab(args, op, () => recoverNodes(env(args), lab, op, resolveSelectors(lab.nodes, args.nodes, op)));
      out(`${op === 'resume' ? 'resumed' : 'started'}: ${nodes.join(', ') || 'nothing'}`);
    },
  };
}

type NetworkKind = 'partition' | 'loss' | 'bandwidth' | 'delay';

/** A network fault; `amount` names its positional (loss <percent>) and reads it into the params. */
function networkCommand(
  kind: NetworkKind,
  describe: string,
  amount?: { name: string; describe: string; read: (text: string) => Partial<FaultParams> },
): CommandModule<object, NetworkArgs & Record<string, unknown>> {
  return {
    command: amount ? `${kind} <${amount.name}>` : kind,
    describe,
    builder: (y) => {
      const withOptions = networkOptions(y);
      return (amount ? withOptions.positional(amount.name, { type: 'string', describe: amount.describe }) : withOptions) as Argv<NetworkArgs & Record<string, unknown>>;
    },
    handler: (args) =>
      inject(args, (lab) => {
        const extra = amount ? amount.read(String(args[amount.name])) : {};
        const from = resolveSelector(lab.nodes, args.from, '--from');
        const to = resolveSelector(lab.nodes, args.to, '--to');
        return { kind, ...extra, from, to, oneWay: args['one-way'] } as FaultParams;
      }),
  };
}

function componentCommand(kind: 'kill' | 'stop-component', describe: string): CommandModule<object, NodeArgs & { component: string }> {
  return {
    command: `${kind} <component>`,
    describe,
    builder: (y) => nodeOptions(y).positional('component', { type: 'string', describe: COMPONENTS.join(', ') }) as Argv<NodeArgs & { component: string }>,
    handler: (args) =>
      inject(args, (lab) => {
        if (!(COMPONENTS as readonly string[]).includes(args.component)) {
          throw new FaultInputError(`${JSON.stringify(args.component)} is not a component kubelab knows`, `choose from ${COMPONENTS.join(', ')}`);
        }
        return { kind, component: args.component as Component, nodes: resolveSelector(lab.nodes, args.node, '--node') };
      }),
  };
}

const PERCENT = 'a percentage above 0 and at most 100';

/** Erases a command's argument type, for the list of subcommands. */
const command = <A>(module: CommandModule<object, A>): CommandModule => module as unknown as CommandModule;

const subcommands: CommandModule[] = [
  command(machineCommand('stop', 'Halt nodes cleanly (undo: start them)')),
  command(machineCommand('crash', 'Cut the power of nodes: no shutdown (undo: start them)')),
  command(machineCommand('freeze', 'Pause whole machines: every process stops, the disk and memory stay (undo: resume)')),
  command(recoverCommand('resume', 'Resume frozen nodes (undoes their freeze)')),
  command(recoverCommand('start', 'Start stopped or crashed nodes (undoes their stop or crash)')),
  command(networkCommand('partition', 'Drop all traffic between --from and --to (iptables)')),
  command(networkCommand('loss', 'Drop PERCENT of the packets between --from and --to (iptables statistic match)', {
    name: 'percent',
    describe: 'The share of packets dropped: above 0, at most 100',
    read: (text) => ({ percent: read(parsePercent, text, 'loss', PERCENT) }),
  })),
  command(networkCommand('bandwidth', 'Limit the traffic from --from to --to to RATE, e.g. 1mbit or 500kbit (tc tbf)', {
    name: 'rate',
    describe: 'The rate allowed, in bits per second: 1mbit, 500kbit, 2gbit',
    read: (text) => ({ rateBits: read(parseRate, text, 'bandwidth', 'a rate of at least 8kbit such as 1mbit or 500kbit (bit, kbit, mbit, gbit)') }),
  })),
  command(networkCommand('delay', 'Delay the packets from --from to --to by MS milliseconds (tc netem; needs sch_netem)', {
    name: 'ms',
    describe: 'The added delay, in milliseconds',
    read: (text) => ({ ms: read(parseMilliseconds, text, 'delay', 'a delay in milliseconds such as 100 or 250ms') }),
  })),
  command(componentCommand('kill', 'Kill (SIGKILL) a Kubernetes component or docker itself on nodes (undo: start it)')),
  command(componentCommand('stop-component', 'Stop a Kubernetes component or docker itself on nodes cleanly (undo: start it)')),
  command<NodeArgs & { percent: string; path: string; max: string }>({
    command: 'disk-fill <percent>',
    describe: 'Fill the filesystem of --path on nodes to PERCENT full with a file (undo: remove it)',
    builder: (y) =>
      nodeOptions(y)
        .option('path', { type: 'string', default: '/', describe: 'A directory on the filesystem to fill' })
        .positional('percent', { type: 'string', demandOption: true, describe: 'How full the filesystem gets (df\'s Use%)' })
        .option('max', { type: 'string', default: '10G', describe: 'Refuse to write more than this (on the docker provider / is the host\'s disk)' }) as Argv<
        NodeArgs & { percent: string; path: string; max: string }
      >,
    handler: (args: NodeArgs & { percent: string; path: string; max: string }) =>
      inject(args, (lab) => {
        if (!path.posix.isAbsolute(args.path)) throw new FaultInputError(`--path: ${args.path} is not an absolute path`);
        return {
          kind: 'disk-fill',
          percent: read(parsePercent, args.percent, 'disk-fill', PERCENT),
          path: path.posix.normalize(args.path),
          maxBytes: read(parseSize, args.max, '--max', 'a size such as 512M or 10G'),
          nodes: resolveSelector(lab.nodes, args.node, '--node'),
        };
      }),
  }),
  command<NodeArgs & { cpus: number | undefined }>({
    command: 'cpu-hog',
    describe: 'Keep CPUs of nodes busy (undo: end the busy loops)',
    builder: (y) => nodeOptions(y).option('cpus', { type: 'number', describe: 'How many CPUs (default: all of the node\'s)' }),
    handler: (args: NodeArgs & { cpus: number | undefined }) =>
      inject(args, (lab) => {
        if (args.cpus !== undefined && !(Number.isInteger(args.cpus) && args.cpus >= 1 && args.cpus <= 256)) throw new FaultInputError(`--cpus: ${args.cpus} is not a whole number from 1 to 256`);
        return { kind: 'cpu-hog', cpus: args.cpus, nodes: resolveSelector(lab.nodes, args.node, '--node') };
      }),
  }),
  command<NodeArgs & { size: string }>({
    command: 'mem-hog <size>',
    describe: 'Hold SIZE of memory on nodes, e.g. 512M or 1G (undo: free it)',
    builder: (y) => nodeOptions(y).positional('size', { type: 'string', demandOption: true, describe: 'How much memory' }) as Argv<NodeArgs & { size: string }>,
    handler: (args: NodeArgs & { size: string }) =>
      inject(args, (lab) => ({ kind: 'mem-hog', bytes: read(parseSize, args.size, 'mem-hog', 'a size such as 512M or 1G'), nodes: resolveSelector(lab.nodes, args.node, '--node') })),
  }),
  command<LabArgs & { json: boolean }>({
    command: 'list',
    describe: 'Show the active faults and the nodes they act on',
    builder: (y) => labOptions(y).option('json', { type: 'boolean', default: false, describe: 'Print JSON for scripts' }),
    handler: async (args: LabArgs & { json: boolean }) => {
      const faults = await listFaults(env(args));
      out(args.json ? JSON.stringify(faults.map(({ lab: _lab, ...f }) => ({ ...f, description: describeFault(f) })), null, 2) : formatFaultTable(faults));
    },
  }),
  command<LabArgs & { ids: string[]; at: string | undefined }>({
    command: 'undo <ids..>',
    describe: 'Undo faults by id (f1 f2 …)',
    builder: (y) =>
      labOptions(y)
        .positional('ids', { type: 'string', array: true, describe: 'Fault ids, as kubelab fault list shows them' })
        .option('at', { type: 'string', hidden: true, describe: 'Wait until this time, then undo what is due (the --for timer)' }) as Argv<
        LabArgs & { ids: string[]; at: string | undefined }
      >,
    handler: async (args: LabArgs & { ids: string[]; at: string | undefined }) => {
      if (args.at !== undefined) {
        const at = new Date(args.at);
        if (Number.isNaN(at.getTime())) throw new FaultInputError(`--at: ${args.at} is not a time`);
        // The timer sleeps without the lock, then waits its turn: a running apply or fault goes first.
        await sleepUntil(at);
        const lab = env(args);
        const undone = await changingLab(args, 'undo (timer)', () => expireAt(lab, at), 'wait');
        out(`timer for ${args.ids.join(', ')}: ${undone.length ? `undid ${undone.join(', ')}` : 'nothing was due'}`);
        return;
      }
      const bad = args.ids.filter((id) => !/^f[0-9]+$/.test(id));
      if (bad.length > 0) throw new FaultInputError(`${bad.join(', ')}: a fault id looks like f1`, 'kubelab fault list shows the ids');
      const lab = env(args);
      const undone = await changingLab(args, 'undo', () => undoFaults(lab, args.ids));
      out(`undone: ${undone.join(', ') || 'nothing (already expired)'}`);
    },
  }),
  command<LabArgs>({
    command: 'clear',
    describe: 'Undo every active fault, and remove anything a fault left on the nodes',
    builder: (y) => labOptions(y),
    handler: async (args: LabArgs) => {
      // Without a recorded lab, the spec's (if it is up) tells which nodes to sweep.
      const fallback = await runningLab(args).catch(() => undefined);
      const lab = env(args);
      const result = await changingLab(args, 'clear', () => clearFaults(lab, fallback));
      for (const line of result.swept) err(`swept ${line}`);
      out(`cleared: ${result.undone.length ? result.undone.join(', ') : 'no active faults'}${result.swept.length ? `; removed ${result.swept.length} leftover(s)` : ''}`);
      if (result.failed.length > 0) {
        throw new KubelabError(`could not undo:\n  ${result.failed.join('\n  ')}`, { hint: 'they stay recorded; fix the cause and run kubelab fault clear again' });
      }
    },
  }),
];

const EPILOG = [
  'SEL, where nodes are named: a node (cp), a role (etcd, controlplane, worker), a group made by `count` (worker for worker-1, worker-2), all, or a comma list (cp,worker-1).',
  'Network faults act between --from and --to in both directions unless --one-way; they only ever name node addresses, so the host keeps its access.',
  `Every fault can take --for DURATION and is then undone by itself; hog processes also stop by themselves after --for plus a minute, or after ${formatDuration(HOG_SAFETY_NET_SECONDS * 1000)} without --for.`,
  'Active faults are kept in OUT/.kubelab/faults.json (kubelab fault list); every injection and undo is appended to OUT/faults.journal.jsonl; kubelab destroy clears the faults first.',
  'Exit codes: 2 bad input, 5 the fault clashes with an active one, 6 a node or machine refused or failed (a failed injection is rolled back: nothing is left changed).',
].join('\n\n');

export const faultCommand: CommandModule<object, LabArgs> = {
  command: 'fault',
  describe: 'Break the running lab on purpose: stop, crash or freeze nodes, cut or slow the network, kill components, fill disks, hog CPU or memory',
  builder: (y) => {
    let withCommands = y as unknown as Argv;
    for (const sub of subcommands) withCommands = withCommands.command(sub);
    return withCommands.demandCommand(1, 'Name a kind of fault; `kubelab fault --help` lists them.').epilog(EPILOG) as unknown as Argv<LabArgs>;
  },
  handler: () => undefined,
};
