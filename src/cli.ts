#!/usr/bin/env node
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { checkGenerated, generate } from './commands/generate.js';
import { labCommands } from './commands/lab-cli.js';
import { labOptions } from './commands/options.js';
import { runDocs } from './docs/command.js';
import { KubelabError, formatProblem } from './errors.js';
import { compileSpec } from './spec/index.js';
import { withLabLock } from './run/lab-lock.js';
import { err, out } from './commands/console.js';

async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('kubelab')
    .usage('$0 <command> [options]\n\nGenerate a multi-node Kubernetes (RKE) lab on Vagrant machines, run it, and break it on purpose.')
    .command(
      'generate',
      'Compile the spec into the output folder (Vagrantfile, provisioning scripts, cluster.yml)',
      (y) =>
        labOptions(y)
          .option('check', { type: 'boolean', default: false, describe: 'Write nothing; fail if the output folder is stale or was edited by hand' })
          .option('force', { type: 'boolean', default: false, describe: 'Overwrite files that were edited by hand' }),
      async (args) => {
        if (args.check) {
          await checkGenerated({ spec: args.spec, out: args.out, log: err });
          out(`${args.out} is up to date with ${args.spec}`);
          return;
        }
        // It rewrites what a running apply's vagrant reads: not while another command changes the lab.
        const { result } = await withLabLock(path.resolve(args.out), { command: 'generate', busy: 'fail', note: err }, () =>
          generate({ spec: args.spec, out: args.out, force: args.force, log: err }),
        );
        out(`${args.out}: ${result.written.length} written, ${result.unchanged.length} unchanged${result.removed.length ? `, ${result.removed.length} removed` : ''}`);
        for (const file of result.written) out(`  wrote ${file}`);
        for (const file of result.removed) out(`  removed ${file}`);
      },
    )
    .command(
      'validate',
      'Check the spec and print every problem found',
      (y) => labOptions(y),
      async (args) => {
        const { model, warnings } = await compileSpec(args.spec, args.out);
        for (const w of warnings) err(formatProblem(w));
        out(`${args.spec}: valid, ${model.nodes.length} node(s) on ${model.provider.type}`);
      },
    )
    .command(
      'docs',
      "Rewrite the spec reference in kubelab's README from the JSON Schema",
      (y) =>
        y
          .option('check', { type: 'boolean', default: false, describe: 'Write nothing; fail if the README is not what the schema gives' })
          .option('readme', { type: 'string', describe: "The README to update (default: kubelab's own README.md)" }),
      async (args) => {
        const result = await runDocs({ check: args.check, readme: args.readme });
        out(result === 'updated' ? 'README spec reference updated' : 'README spec reference is up to date');
      },
    )
    .command(labCommands)
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
