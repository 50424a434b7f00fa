import type { Argv } from 'yargs';
import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { BusyPolicy } from '../lab/lock.js';

/** A bad option: thrown as a KubelabError, yargs' own errors would surface as a crash with a stack. */
export function usageError(message: string): KubelabError {
  return new KubelabError(message, { hint: 'run `kubelab --help` for usage', exitCode: EXIT.badInput });
}

export interface BusyArgs {
  wait: boolean;
  'stop-previous': boolean;
  'stop-grace': number;
}

/** --wait and --stop-previous: what a command that changes the lab does when another one is at it. */
export function busyOptions<T>(y: Argv<T>): Argv<T & BusyArgs> {
  return y
    .option('wait', {
      type: 'boolean',
      default: false,
      describe: 'When another kubelab command is changing the lab (or what it started still runs), wait for it to end',
    })
    .option('stop-previous', {
      type: 'boolean',
      default: false,
      describe: 'When another kubelab command is changing the lab (or what it started still runs), stop it as Ctrl-C would, then go on',
    })
    .option('stop-grace', { type: 'number', default: 60, describe: 'Seconds --stop-previous gives it after the SIGINT, before SIGTERM' })
    .check((args) => {
      if (args.wait && args['stop-previous']) throw usageError('--wait and --stop-previous exclude each other: wait for the previous run, or stop it');
      if (!(Number.isFinite(args['stop-grace']) && args['stop-grace'] >= 0)) throw usageError('--stop-grace must be a number of seconds, 0 or more');
      return true;
    }) as Argv<T & BusyArgs>;
}

export function busyPolicy(args: BusyArgs): { busy: BusyPolicy; graceMs: number } {
  return { busy: args.wait ? 'wait' : args['stop-previous'] ? 'stop-previous' : 'fail', graceMs: args['stop-grace'] * 1000 };
}
