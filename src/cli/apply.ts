import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { out } from './console.js';
import { interruptible } from './interrupt.js';
import { checkPathOptions, labOptions, type LabArgs } from './options.js';
import { busyOptions, busyPolicy, usageError, type BusyArgs } from './busy.js';

type ApplyArgs = LabArgs &
  BusyArgs & { jobs: number; rke: string | undefined; 'machines-only': boolean; 'ignore-host-limits': boolean; drain: boolean; 'force-removal': boolean };

export const applyCommand: CommandModule<object, ApplyArgs> = {
  command: 'apply',
  describe: 'Generate if needed, start and provision every machine, then install Kubernetes with rke up',
  builder: (y) =>
    busyOptions(labOptions(y))
      .option('jobs', { alias: 'j', type: 'number', default: 3, describe: 'Machines brought up at the same time' })
      .option('rke', { type: 'string', describe: "Path of the rke binary (default: the kit's for a lab on the kit, else rke on PATH)" })
      .option('machines-only', { type: 'boolean', default: false, describe: 'Stop after provisioning the machines; do not run rke' })
      .option('ignore-host-limits', {
        type: 'boolean',
        default: false,
        describe: 'Start the machines even when a limit of the host is too low for them (`kubelab doctor` shows which)',
      })
      .option('drain', {
        type: 'boolean',
        default: true,
        describe: 'Drain the nodes the spec no longer names before rke up removes them; their machines go after (--no-drain: remove without draining)',
      })
      .option('force-removal', {
        type: 'boolean',
        default: false,
        describe: 'Remove nodes even when etcd keeps fewer than a majority of its members, or no controlplane node is left',
      })
      .check((args) => {
        if (!Number.isInteger(args.jobs) || args.jobs < 1) throw usageError('--jobs must be a whole number of at least 1');
        return checkPathOptions(args, ['rke']);
      }) as Argv<ApplyArgs>,
  handler: async (args) => {
    const [{ apply }, { Progress }] = await Promise.all([import('../commands/apply.js'), import('./progress.js')]);
    const progress = new Progress(process.stderr);
    const { signal, dispose } = interruptible((l) => progress.note(l));
    try {
      const result = await apply({
        spec: args.spec,
        out: args.out,
        jobs: args.jobs,
        rke: args.rke,
        machinesOnly: args['machines-only'],
        ignoreHostLimits: args['ignore-host-limits'],
        noDrain: !args.drain,
        forceRemoval: args['force-removal'],
        progress,
        signal,
        ...busyPolicy(args),
      });
      progress.finish();
      if (result.kubeconfig) {
        const rel = path.relative(process.cwd(), result.kubeconfig) || result.kubeconfig;
        const { machines, rke, ready } = result.phases;
        const phases = `machines ${machines.toFixed(1)}s, rke up ${(rke ?? 0).toFixed(1)}s, nodes Ready ${(ready ?? 0).toFixed(1)}s later`;
        out(
          `lab ${result.model.name} is up in ${progress.elapsed()} (${phases}). Use it with:\n  kubelab kubectl get nodes -o wide\nor, with your own kubectl:\n  export KUBECONFIG=${rel}`,
        );
      } else {
        out(
          `lab ${result.model.name}: ${result.model.nodes.length} machine(s) up and provisioned in ${progress.elapsed()} (Kubernetes not installed: --machines-only)`,
        );
      }
    } finally {
      progress.finish();
      dispose();
    }
  },
};
