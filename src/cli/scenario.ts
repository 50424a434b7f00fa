import type { Argv, CommandModule } from 'yargs';
import path from 'node:path';
import { formatProblem } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { formatDuration } from '../units.js';
import { interruptibly } from './interrupt.js';
import { err, out } from './console.js';
import { labOptions, type LabArgs } from './options.js';
import { command, commandGroup } from './group.js';

const catalogue = () => import('../scenario/catalogue.js');

type RunArgs = LabArgs & { scenario: string; image: string | undefined };

const subcommands: CommandModule[] = [
  command<{ json: boolean }>({
    command: 'list',
    describe: 'List the built-in scenarios',
    builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'Print JSON for scripts' }) as Argv<{ json: boolean }>,
    handler: async (args) => {
      const [{ listScenarios }, { formatTable }] = await Promise.all([catalogue(), import('../table.js')]);
      const scenarios = await listScenarios();
      if (args.json) {
        out(JSON.stringify(scenarios, null, 2));
        return;
      }
      for (const line of formatTable(
        ['NAME', 'TITLE'],
        scenarios.map((s) => [s.name, s.problem === undefined ? s.title : `(cannot be used: ${s.problem})`]),
      ))
        out(line);
    },
  }),
  command<{ scenario: string }>({
    command: 'validate <scenario>',
    describe: 'Check a scenario file (or a built-in scenario) and print every problem found',
    builder: (y) =>
      y.positional('scenario', { type: 'string', demandOption: true, describe: 'A scenario file, or the name of a built-in scenario' }) as Argv<{
        scenario: string;
      }>,
    handler: async (args) => {
      const { findScenario } = await catalogue();
      const { file, doc, warnings } = await findScenario(args.scenario);
      for (const w of warnings) err(formatProblem(w));
      out(`${file}: ok, scenario ${doc.name} with ${doc.steps.length} step(s)`);
    },
  }),
  command<RunArgs>({
    command: 'run <scenario>',
    describe: 'Run a scenario against the running lab and report what it measured',
    builder: (y) =>
      labOptions(y)
        .positional('scenario', { type: 'string', demandOption: true, describe: 'The name of a built-in scenario (kubelab scenario list), or a scenario file' })
        .option('image', {
          type: 'string',
          describe: "The test workload's image: bash and socat, on every node already (default: the offline kit's tools image)",
        }) as Argv<RunArgs>,
    handler: async (args) => {
      const { scenarioRun } = await import('../commands/scenario.js');
      const { report, markdown } = await interruptibly(err, (signal) =>
        scenarioRun({
          spec: args.spec,
          out: args.out,
          scenario: args.scenario,
          ...(args.image === undefined ? {} : { image: args.image }),
          note: err,
          signal,
        }),
      );
      out(`scenario ${report.scenario.name}: ${report.verdict.toUpperCase()}${report.error ? ` (${report.error})` : ''}`);
      for (const e of report.expectations) {
        const verdict = e.verdict === 'pass' ? 'pass' : e.verdict === 'fail' ? 'FAIL' : 'n/a ';
        out(`  ${verdict}  ${e.name}: ${e.measuredMs === null ? 'not measured' : formatDuration(e.measuredMs)} (expected ${e.expected})`);
      }
      out(`report: ${path.relative(process.cwd(), markdown)}`);
      process.exitCode = report.verdict === 'pass' ? EXIT.ok : EXIT.failed;
    },
  }),
];

export const scenarioCommand = commandGroup(
  'scenario',
  "Scripted experiments on the running lab: faults, waits and measured times, checked against the cluster's own settings",
  subcommands,
  [
    "A run writes OUT/scenarios/NAME-TIME/: report.md, report.json, timeline.svg and the observer's journal.jsonl; whatever happens, the faults it injected are undone and its namespace removed.",
    'Exit codes of run: 0 every expectation held, 1 one did not or a step failed (the report says which), 2 a bad scenario file or a lab that lacks what it needs, 7 another kubelab command is changing the lab.',
  ],
);
