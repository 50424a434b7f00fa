#!/usr/bin/env node
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { checkGenerated, generate } from './commands/generate.js';
import { KubelabError, formatProblem } from './errors.js';
import { compileSpec } from './spec/index.js';

const err = (line: string): void => void process.stderr.write(line + '\n');
const out = (line: string): void => void process.stdout.write(line + '\n');

function withSpecOptions<T>(y: Argv<T>) {
  return y
    .option('spec', { alias: 's', type: 'string', default: 'kubelab.yaml', describe: 'The cluster spec (YAML or JSON)' })
    .option('out', { alias: 'o', type: 'string', default: 'out', describe: 'Output folder for the generated files' });
}

async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('kubelab')
    .usage('$0 <command> [options]\n\nGenerate a multi-node Kubernetes (RKE) lab on Vagrant machines, run it, and break it on purpose.')
    .command(
      'generate',
      'Compile the spec into the output folder (Vagrantfile, provisioning scripts, cluster.yml)',
      (y) =>
        withSpecOptions(y)
          .option('check', { type: 'boolean', default: false, describe: 'Write nothing; fail if the output folder is stale or was edited by hand' })
          .option('force', { type: 'boolean', default: false, describe: 'Overwrite files that were edited by hand' }),
      async (args) => {
        if (args.check) {
          await checkGenerated({ spec: args.spec, out: args.out, log: err });
          out(`${args.out} is up to date with ${args.spec}`);
          return;
        }
        const { result } = await generate({ spec: args.spec, out: args.out, force: args.force, log: err });
        out(`${args.out}: ${result.written.length} written, ${result.unchanged.length} unchanged${result.removed.length ? `, ${result.removed.length} removed` : ''}`);
        for (const file of result.written) out(`  wrote ${file}`);
        for (const file of result.removed) out(`  removed ${file}`);
      },
    )
    .command(
      'validate',
      'Check the spec and print every problem found',
      (y) => withSpecOptions(y),
      async (args) => {
        const { model, warnings } = await compileSpec(args.spec, args.out);
        for (const w of warnings) err(formatProblem(w));
        out(`${args.spec}: valid, ${model.nodes.length} node(s) on ${model.provider.type}`);
      },
    )
    .demandCommand(1, 'Name a command; `kubelab --help` lists them.')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((message, error) => {
      if (error) throw error;
      err(`kubelab: ${message}`);
      err('Run `kubelab --help` for usage.');
      process.exit(1);
    })
    .parseAsync();
}

main(hideBin(process.argv)).catch((error: unknown) => {
  if (error instanceof KubelabError) {
    err(`kubelab: ${error.message}`);
    if (error.hint) err(`hint: ${error.hint}`);
    process.exit(error.exitCode);
  }
  err(`kubelab: unexpected error (a bug; please report it):`);
  err(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(70);
});
