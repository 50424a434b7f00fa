import os from 'node:os';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
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
import { kitCommand } from './kit.js';
import { kubectlCommand } from './kubectl.js';

const applyCommand: CommandModule<object, LabArgs & { jobs: number; rke: string | undefined; 'machines-only': boolean }> = {
  command: 'apply',
  describe: 'Generate if needed, start and provision every machine, then install Kubernetes with rke up',
  builder: (y) =>
    labOptions(y)
      .option('jobs', { alias: 'j', type: 'number', default: 3, describe: 'Machines brought up at the same time' })
      .option('rke', { type: 'string', describe: "Path of the rke binary (default: the kit's for a lab on the kit, else rke on PATH)" })
      .option('machines-only', { type: 'boolean', default: false, describe: 'Stop after provisioning the machines; do not run rke' })
      .check((args) => {
        if (!Number.isInteger(args.jobs) || args.jobs < 1) throw new Error('--jobs must be a whole number of at least 1');
        return true;
      }) as Argv<LabArgs & { jobs: number; rke: string | undefined; 'machines-only': boolean }>,
  handler: async (args) => {
    const progress = new Progress(process.stderr);
    const { signal, dispose } = interruptible((l) => progress.note(l));
    try {
      const result = await apply({ spec: args.spec, out: args.out, jobs: args.jobs, rke: args.rke, machinesOnly: args['machines-only'], progress, signal });
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

const destroyCommand: CommandModule<object, LabArgs> = {
  command: 'destroy',
  describe: 'Remove every machine of the lab and every file the runner wrote (keys, state, kubeconfig, logs)',
  builder: (y) => labOptions(y) as Argv<LabArgs>,
  handler: async (args) => {
    const { signal, dispose } = interruptible(err);
    try {
      const result = await destroy({ out: args.out, log: err, signal });
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
