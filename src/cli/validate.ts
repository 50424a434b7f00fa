import type { Argv, CommandModule } from 'yargs';
import { formatProblem } from '../errors.js';
import { err, out } from './console.js';
import { labOptions, type LabArgs } from './options.js';

export const validateCommand: CommandModule<object, LabArgs> = {
  command: 'validate',
  describe: 'Check the spec and print every problem found',
  builder: (y) => labOptions(y) as Argv<LabArgs>,
  handler: async (args) => {
    const { compileSpec } = await import('../spec/index.js');
    const { model, warnings } = await compileSpec(args.spec, args.out);
    for (const w of warnings) err(formatProblem(w));
    out(`${args.spec}: valid, ${model.nodes.length} node(s) on ${model.provider.type}`);
  },
};
