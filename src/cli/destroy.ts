import type { Argv, CommandModule } from 'yargs';
import { err, out } from './console.js';
import { interruptibly } from './interrupt.js';
import { labOptions, type LabArgs } from './options.js';
import { busyOptions, busyPolicy, type BusyArgs } from './busy.js';

export const destroyCommand: CommandModule<object, LabArgs & BusyArgs> = {
  command: 'destroy',
  describe: 'Remove every machine of the lab, its snapshots and every file the runner wrote (keys, state, kubeconfig, logs), and stop its services on the host',
  builder: (y) => busyOptions(labOptions(y)) as Argv<LabArgs & BusyArgs>,
  handler: async (args) => {
    const { destroy } = await import('../commands/destroy.js');
    const result = await interruptibly(err, (signal) => destroy({ out: args.out, log: err, signal, ...busyPolicy(args) }));
    out(`destroyed: ${[...result.removedFiles, ...result.removedLeftovers].join(', ') || 'nothing was there'}`);
  },
};
