import type { Argv, CommandModule } from 'yargs';
import { err, out } from './console.js';
import { labOptions, type LabArgs } from './options.js';

type GenerateArgs = LabArgs & { check: boolean; force: boolean };

export const generateCommand: CommandModule<object, GenerateArgs> = {
  command: 'generate',
  describe: 'Compile the spec into the output folder (Vagrantfile, provisioning scripts, cluster.yml)',
  builder: (y) =>
    labOptions(y)
      .option('check', { type: 'boolean', default: false, describe: 'Write nothing; fail if the output folder is stale or was edited by hand' })
      .option('force', { type: 'boolean', default: false, describe: 'Overwrite files that were edited by hand' }) as Argv<GenerateArgs>,
  handler: async (args) => {
    const { checkGenerated, generate } = await import('../commands/generate.js');
    if (args.check) {
      await checkGenerated({ spec: args.spec, out: args.out, log: err });
      out(`${args.out} is up to date with ${args.spec}`);
      return;
    }
    const { result } = await generate({ spec: args.spec, out: args.out, force: args.force, log: err });
    out(
      `${args.out}: ${result.written.length} written, ${result.unchanged.length} unchanged${result.removed.length ? `, ${result.removed.length} removed` : ''}`,
    );
    for (const file of result.written) out(`  wrote ${file}`);
    for (const file of result.removed) out(`  removed ${file}`);
  },
};
