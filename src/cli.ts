#!/usr/bin/env node
/**
 * kubelab's entry point. Each command is a yargs module in src/cli/ that loads its operation only
 * when it runs, so that `kubelab --help` and `validate` do not pay for prettier, Handlebars or the
 * fault engine; the fault command, built from every fault family, loads only when it is named.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { closedOutputStatus, err, watchOutput } from './cli/console.js';
import { KubelabError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { applyCommand } from './cli/apply.js';
import { boxCommand } from './cli/box.js';
import { destroyCommand } from './cli/destroy.js';
import { docsCommand } from './cli/docs.js';
import { doctorCommand } from './cli/doctor.js';
import { faultListing } from './cli/fault-listing.js';
import { generateCommand } from './cli/generate.js';
import { kitCommand } from './cli/kit.js';
import { kubectlCommand } from './cli/kubectl.js';
import { scenarioCommand } from './cli/scenario.js';
import { servicesCommand } from './cli/services.js';
import { snapshotCommand } from './cli/snapshot.js';
import { statusCommand } from './cli/status.js';
import { validateCommand } from './cli/validate.js';
import type { CommandModule } from 'yargs';

async function main(argv: string[]): Promise<void> {
  const faultCommand = argv.includes('fault') ? (await import('./cli/fault.js')).faultCommand : faultListing;
  const commands = [
    generateCommand,
    validateCommand,
    docsCommand,
    applyCommand,
    destroyCommand,
    statusCommand,
    doctorCommand,
    faultCommand,
    scenarioCommand,
    snapshotCommand,
    servicesCommand,
    boxCommand,
    kitCommand,
    kubectlCommand,
  ] as CommandModule[];
  await yargs(argv)
    .scriptName('kubelab')
    .usage('$0 <command> [options]\n\nGenerate a multi-node Kubernetes (RKE) lab on Vagrant machines, run it, and break it on purpose.')
    .command(commands)
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
      process.exit(EXIT.badInput);
    })
    .parseAsync();
}

watchOutput();
main(hideBin(process.argv)).then(
  () => {
    const closed = closedOutputStatus();
    if (closed !== undefined) process.exit(closed);
  },
  (error: unknown) => {
    // Nothing can be said any more; the command's own failure (an interruption it caused) is not news.
    const closed = closedOutputStatus();
    if (closed !== undefined) process.exit(closed);
    failed(error);
  },
);

function failed(error: unknown): never {
  if (error instanceof KubelabError) {
    err(`kubelab: ${error.message}`);
    if (error.hint) err(`hint: ${error.hint}`);
    process.exit(error.exitCode);
  }
  err(`kubelab: unexpected error (a bug; please report it):`);
  err(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(EXIT.bug);
}
