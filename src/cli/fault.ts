import type { Argv, CommandModule, Options } from 'yargs';
import { KubelabError } from '../errors.js';
import { read } from '../fault/cli-values.js';
import { FaultInputError } from '../fault/errors.js';
import { FAMILIES, type AnyFamily, type RecoveryName } from '../fault/families/index.js';
import type { CliOption, CliValues, ClusterFacts, KindCommand, Recovery } from '../fault/family.js';
import type { FaultKind, FaultParams, LabAccess } from '../fault/types.js';
import { formatDuration, parseDuration } from '../units.js';
import { err, out } from './console.js';
import { labOptions, type LabArgs } from './options.js';
import { command } from './group.js';

/** The orchestration and the descriptions load only when a fault command runs, not for `kubelab --help`. */
const operations = () => import('../commands/fault.js');
const descriptions = () => import('../fault/describe.js');

type InjectArgs = LabArgs & { for: string | undefined };

function injectOptions<T>(y: Argv<T>): Argv<T & InjectArgs> {
  return labOptions(y).option('for', {
    type: 'string',
    describe: 'Undo the fault by itself after this long (30s, 5m, 1h30m)',
  }) as Argv<T & InjectArgs>;
}

/** Resolves the selectors, injects, and prints the new fault's id and what it does. */
async function inject(args: InjectArgs, build: (lab: LabAccess, facts: ClusterFacts) => Promise<FaultParams>): Promise<void> {
  const forMs = args.for === undefined ? undefined : read(parseDuration, args.for, '--for', 'a duration such as 30s, 5m or 1h');
  const [{ faultInject }, { describeFault }] = await Promise.all([operations(), descriptions()]);
  const fault = await faultInject({ spec: args.spec, out: args.out, note: err, build, forMs });
  const until = forMs === undefined ? `undo with: kubelab fault undo ${fault.id}` : `undone by itself in ${formatDuration(forMs)} (at ${fault.expiresAt})`;
  out(`${fault.id}: ${describeFault(fault)}; ${until}`);
}

/** A family's option, as yargs takes it. */
const yargsOption = (option: CliOption): Options => ({
  type: option.type,
  describe: option.describe,
  ...(option.alias === undefined ? {} : { alias: option.alias }),
  ...(option.default === undefined ? {} : { default: option.default }),
  ...(option.demand ? { demandOption: true } : {}),
});

/** `kubelab fault KIND …`, from the kind's own description in its family. */
function kindCommand(kind: KindCommand<FaultParams>): CommandModule {
  const positional = kind.positional;
  return {
    command: positional ? `${kind.kind} <${positional.name}${positional.variadic ? '..' : ''}>` : kind.kind,
    describe: kind.describe,
    builder: (y) => {
      let built = injectOptions(y) as unknown as Argv;
      for (const [name, option] of Object.entries(kind.options ?? {})) built = built.option(name, yargsOption(option));
      if (positional) {
        built = built.positional(positional.name, {
          type: 'string',
          describe: positional.describe,
          ...(positional.variadic ? { array: true } : {}),
          ...(positional.demand ? { demandOption: true } : {}),
        });
      }
      return built;
    },
    handler: (args) =>
      inject(args as unknown as InjectArgs, async (lab, facts) => {
        const values = args as unknown as CliValues;
        return kind.parse(kind.resolve ? await kind.resolve(values, facts) : values, lab);
      }),
  };
}

function recoverCommand({ name, describe, done }: Recovery<FaultKind, RecoveryName>): CommandModule<object, LabArgs & { nodes: string[] }> {
  return {
    command: `${name} <nodes..>`,
    describe,
    builder: (y) =>
      labOptions(y).positional('nodes', { type: 'string', array: true, describe: 'Nodes, roles or groups' }) as Argv<LabArgs & { nodes: string[] }>,
    handler: async (args) => {
      const { faultRecover } = await operations();
      const nodes = await faultRecover({ spec: args.spec, out: args.out, note: err, recovery: name, selectors: args.nodes });
      out(`${done}: ${nodes.join(', ') || 'nothing'}`);
    },
  };
}

/** Each family's kinds, then its recoveries (stop, crash, freeze, resume, start, partition, …). */
const familyCommands = (family: AnyFamily): CommandModule[] => [
  ...family.commands.map(kindCommand),
  ...(family.recoveries ?? []).map((r) => command(recoverCommand(r))),
];

const subcommands: CommandModule[] = [
  ...(FAMILIES as readonly AnyFamily[]).flatMap(familyCommands),
  command<LabArgs & { json: boolean }>({
    command: 'list',
    describe: 'Show the active faults and the nodes they act on',
    builder: (y) => labOptions(y).option('json', { type: 'boolean', default: false, describe: 'Print JSON for scripts' }),
    handler: async (args: LabArgs & { json: boolean }) => {
      const [{ faultList }, { describeFault, formatFaultTable }] = await Promise.all([operations(), descriptions()]);
      const faults = await faultList({ out: args.out, note: err });
      out(
        args.json
          ? JSON.stringify(
              faults.map(({ lab: _lab, ...f }) => ({ ...f, description: describeFault(f) })),
              null,
              2,
            )
          : formatFaultTable(faults),
      );
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
        const { faultTimer } = await operations();
        const undone = await faultTimer({ out: args.out, note: err, at });
        out(`timer for ${args.ids.join(', ')}: ${undone.length ? `undid ${undone.join(', ')}` : 'nothing was due'}`);
        return;
      }
      const bad = args.ids.filter((id) => !/^f[0-9]+$/.test(id));
      if (bad.length > 0) throw new FaultInputError(`${bad.join(', ')}: a fault id looks like f1`, 'kubelab fault list shows the ids');
      const { faultUndo } = await operations();
      const undone = await faultUndo({ out: args.out, note: err, ids: args.ids });
      out(`undone: ${undone.join(', ') || 'nothing (already expired)'}`);
    },
  }),
  command<LabArgs & { json: boolean }>({
    command: 'support',
    describe: "Show which kinds of fault work on this lab's provider, and why not",
    builder: (y) => labOptions(y).option('json', { type: 'boolean', default: false, describe: 'Print JSON for scripts' }),
    handler: async (args: LabArgs & { json: boolean }) => {
      const [{ faultSupportOf }, { formatTable }] = await Promise.all([operations(), import('../table.js')]);
      const { lab, provider, kinds: rows } = await faultSupportOf({ spec: args.spec, out: args.out });
      if (args.json) {
        out(JSON.stringify({ provider, kinds: rows }, null, 2));
        return;
      }
      out(`fault kinds on the ${provider} provider (lab ${lab}):`);
      out(
        formatTable(
          ['KIND', 'FAMILY', 'WORKS', 'WHY'],
          rows.map((r) => [r.kind, r.family, r.works, r.why]),
        ).join('\n'),
      );
    },
  }),
  command<LabArgs>({
    command: 'clear',
    describe: 'Undo every active fault, and remove anything a fault left on the nodes',
    builder: (y) => labOptions(y),
    handler: async (args: LabArgs) => {
      const { faultClear } = await operations();
      const result = await faultClear({ spec: args.spec, out: args.out, note: err });
      for (const line of result.swept) err(`swept ${line}`);
      out(
        `cleared: ${result.undone.length ? result.undone.join(', ') : 'no active faults'}${result.swept.length ? `; removed ${result.swept.length} leftover(s)` : ''}`,
      );
      if (result.failed.length > 0) {
        throw new KubelabError(`could not undo:\n  ${result.failed.join('\n  ')}`, {
          hint: 'they stay recorded; fix the cause and run kubelab fault clear again',
        });
      }
    },
  }),
];

const EPILOG = [
  "`kubelab fault support` says which kinds work on the lab's provider: a VM has its own kernel, the docker provider's nodes share the host's (delay needs its sch_netem).",
  'SEL, where nodes are named: a node (cp), a role (etcd, controlplane, worker), a group made by `count` (worker for worker-1, worker-2), all, or a comma list (cp,worker-1).',
  ...(FAMILIES as readonly AnyFamily[]).flatMap((family) => family.notes ?? []),
  'Active faults are kept in OUT/.kubelab/faults.json (kubelab fault list); every injection and undo is appended to OUT/lab.journal.jsonl; kubelab destroy clears the faults first.',
  'Exit codes: 2 bad input, 4 a program kubelab needs (ssh, docker, …) is not installed, 5 the fault clashes with an active one, 6 a node or machine refused or failed (a failed injection is rolled back: nothing is left changed), 7 another kubelab command is changing the lab.',
].join('\n\n');

export const faultCommand: CommandModule<object, LabArgs> = {
  command: 'fault',
  describe: `Break the running lab on purpose: ${FAMILIES.map((family) => family.summary).join(', ')}`,
  builder: (y) => {
    let withCommands = y as unknown as Argv;
    for (const sub of subcommands) withCommands = withCommands.command(sub);
    return withCommands.demandCommand(1, 'Name a kind of fault; `kubelab fault --help` lists them.').epilog(EPILOG) as unknown as Argv<LabArgs>;
  },
  handler: () => undefined,
};
