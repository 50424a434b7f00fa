import os from 'node:os';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { KubelabError } from '../errors.js';
import { boxesDir } from '../paths.js';
import { compileSpec } from '../spec/index.js';
import { runStreamed } from '../run/exec.js';
import { Progress } from '../run/progress.js';
import { apply } from './apply.js';
import { destroy } from './destroy.js';
import { faultCommand } from './fault.js';
import { formatStatus, labStatus } from './status.js';
import { labOptions, type LabArgs } from './options.js';
import { err, out } from './console.js';
import { interruptible } from './interrupt.js';
import type { BusyPolicy } from '../run/lab-lock.js';
import { kitCommand } from './kit.js';
import { kubectlCommand } from './kubectl.js';

/** A bad option: thrown as a KubelabError, yargs' own errors would surface as a crash with a stack. */
function usageError(message: string): KubelabError {
  return new KubelabError(message, { hint: 'run `kubelab --help` for usage' });
}

interface BusyArgs {
  wait: boolean;
  'stop-previous': boolean;
  'stop-grace': number;
}

/** --wait and --stop-previous: what a command that changes the lab does when another one is at it. */
function busyOptions<T>(y: Argv<T>): Argv<T & BusyArgs> {
  return y
    .option('wait', { type: 'boolean', default: false, describe: 'When another kubelab command is changing the lab (or what it started still runs), wait for it to end' })
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

function busyPolicy(args: BusyArgs): { busy: BusyPolicy; graceMs: number } {
  return { busy: args.wait ? 'wait' : args['stop-previous'] ? 'stop-previous' : 'fail', graceMs: args['stop-grace'] * 1000 };
}

type ApplyArgs = LabArgs & BusyArgs & { jobs: number; rke: string | undefined; 'machines-only': boolean };

const applyCommand: CommandModule<object, ApplyArgs> = {
  command: 'apply',
  describe: 'Generate if needed, start and provision every machine, then install Kubernetes with rke up',
  builder: (y) =>
    busyOptions(labOptions(y))
      .option('jobs', { alias: 'j', type: 'number', default: 3, describe: 'Machines brought up at the same time' })
      .option('rke', { type: 'string', describe: "Path of the rke binary (default: the kit's for a lab on the kit, else rke on PATH)" })
      .option('machines-only', { type: 'boolean', default: false, describe: 'Stop after provisioning the machines; do not run rke' })
      .check((args) => {
        if (!Number.isInteger(args.jobs) || args.jobs < 1) throw usageError('--jobs must be a whole number of at least 1');
        return true;
      }) as Argv<ApplyArgs>,
  handler: async (args) => {
    const progress = new Progress(process.stderr);
    const { signal, dispose } = interruptible((l) => progress.note(l));
    try {
      const result = await apply({ spec: args.spec, out: args.out, jobs: args.jobs, rke: args.rke, machinesOnly: args['machines-only'], progress, signal, ...busyPolicy(args) });
      progress.finish();
      if (result.kubeconfig) {
        const rel = path.relative(process.cwd(), result.kubeconfig) || result.kubeconfig;
        const { machines, rke, ready } = result.phases;
        const phases = `machines ${machines.toFixed(1)}s, rke up ${(rke ?? 0).toFixed(1)}s, nodes Ready ${(ready ?? 0).toFixed(1)}s later`;
        out(`lab ${result.model.name} is up in ${progress.elapsed()} (${phases}). Use it with:\n  kubelab kubectl get nodes -o wide\nor, with your own kubectl:\n  export KUBECONFIG=${rel}`);
      } else {
        out(`lab ${result.model.name}: ${result.model.nodes.length} machine(s) up and provisioned in ${progress.elapsed()} (Kubernetes not installed: --machines-only)`);
      }
    } finally {
      progress.finish();
      dispose();
    }
  },
};

const destroyCommand: CommandModule<object, LabArgs & BusyArgs> = {
  command: 'destroy',
  describe: 'Remove every machine of the lab and every file the runner wrote (keys, state, kubeconfig, logs)',
  builder: (y) => busyOptions(labOptions(y)) as Argv<LabArgs & BusyArgs>,
  handler: async (args) => {
    const { signal, dispose } = interruptible(err);
    try {
      const result = await destroy({ out: args.out, log: err, signal, ...busyPolicy(args) });
      out(`destroyed: ${[...result.removedFiles, ...result.removedNetworks.map((n) => `network ${n}`)].join(', ') || 'nothing was there'}`);
    } finally {
      dispose();
    }
  },
};

const statusCommand: CommandModule<object, LabArgs & { json: boolean }> = {
  command: 'status',
  describe: "Show each node's machine state, IP and roles, and Kubernetes' view when the cluster is up",
  builder: (y) => labOptions(y).option('json', { type: 'boolean', default: false, describe: 'Print JSON for scripts' }) as Argv<LabArgs & { json: boolean }>,
  handler: async (args) => {
    const { model } = await compileSpec(args.spec, args.out);
    const status = await labStatus(model, path.resolve(args.out));
    // Scripts get every key, with null where there is nothing to say.
    out(args.json ? JSON.stringify(status, (_key, value: unknown) => (value === undefined ? null : value), 2) : formatStatus(status));
  },
};

const boxCommand: CommandModule<object, { force: boolean; image: string | undefined }> = {
  command: 'box build',
  describe: "Build the docker provider's box image locally (debootstrap of Debian bookworm + systemd + sshd)",
  builder: (y) =>
    y
      .option('force', { type: 'boolean', default: false, describe: 'Rebuild even when the image exists' })
      .option('image', { type: 'string', describe: 'Image name (default kubelab/debian-bookworm:latest)' }) as Argv<{ force: boolean; image: string | undefined }>,
  handler: async (args) => {
    const { signal, dispose } = interruptible(err);
    try {
      await runStreamed('bash', [path.join(boxesDir, 'docker', 'build.sh'), ...(args.force ? ['--force'] : []), ...(args.image ? [args.image] : [])], {
        cwd: process.cwd(),
        logFile: path.join(os.tmpdir(), 'kubelab-box-build.log'),
        signal,
        onLine: out,
      });
    } finally {
      dispose();
    }
  },
};

export const labCommands = [applyCommand, destroyCommand, statusCommand, faultCommand, boxCommand, kitCommand, kubectlCommand] as CommandModule[];
