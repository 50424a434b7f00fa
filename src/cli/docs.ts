import type { Argv, CommandModule } from 'yargs';
import { out } from './console.js';
import { checkPathOptions } from './options.js';

type DocsArgs = { check: boolean; readme: string | undefined };

export const docsCommand: CommandModule<object, DocsArgs> = {
  command: 'docs',
  describe: "Rewrite the spec reference in kubelab's README from the JSON Schema",
  builder: (y) =>
    y
      .option('check', { type: 'boolean', default: false, describe: 'Write nothing; fail if the README is not what the schema gives' })
      .option('readme', { type: 'string', describe: "The README to update (default: kubelab's own README.md)" })
      .check((args) => checkPathOptions(args, ['readme'])) as Argv<DocsArgs>,
  handler: async (args) => {
    const { runDocs } = await import('../docs/command.js');
    const result = await runDocs({ check: args.check, readme: args.readme });
    out(result === 'updated' ? 'README spec reference updated' : 'README spec reference is up to date');
  },
};
