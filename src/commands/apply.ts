import path from 'node:path';
import { KubelabError, PrerequisiteError } from '../errors.js';
import { LAB_FILES, logFile } from '../lab-files.js';
import type { LabModel, NodeModel } from '../model.js';
import { CommandFailedError, InterruptedError, runStreamed } from '../run/exec.js';
import { runBounded } from '../run/pool.js';
import { checkMachinePrerequisites, findRke, rkeHowToGet } from '../run/prerequisites.js';
import type { Progress } from '../run/progress.js';
import { ensureSshKey, requireSshKey } from '../run/ssh-key.js';
import { phaseOf } from '../run/vagrant-phases.js';
import { generate } from './generate.js';

export interface ApplyOptions {
  spec: string;
  out: string;
  jobs: number;
  rke: string | undefined;
  /** Stop once the machines are provisioned, without RKE. */
  machinesOnly: boolean;
  progress: Progress;
  signal: AbortSignal;
}

export interface ApplyResult {
  model: LabModel;
  kubeconfig: string | undefined;
}

/** generate → prerequisites → key → `vagrant up` per node (bounded) → `rke up`. */
export async function apply(options: ApplyOptions): Promise<ApplyResult> {
  const { progress, signal } = options;
  const outDir = path.resolve(options.out);
  const { model, result } = await generate({ spec: options.spec, out: options.out, log: (l) => progress.note(l) });
  if (result.written.length > 0) progress.note(`regenerated ${result.written.join(', ')}`);
  if (!model.ssh.managed) await requireSshKey(outDir, model.ssh.privateKeyPath);
  await checkMachinePrerequisites(model);
  const rke = options.machinesOnly ? undefined : await findRke(options.rke);
  if (!options.machinesOnly && !rke) {
    progress.note(`rke was not found: the machines will be created and provisioned, then apply stops (${rkeHowToGet(model.rkeVersion)})`);
  } else if (rke && rke.version !== model.rkeVersion) {
    progress.note(`warning: ${rke.path} is RKE ${rke.version ?? '(unknown version)'}, the spec pins ${model.rkeVersion}; Kubernetes ${model.kubernetesVersion} may not be supported`);
  }
  if (model.ssh.managed) await ensureSshKey(outDir, model.ssh.privateKeyPath, `kubelab-${model.name}`);

  await upMachines(model, outDir, options);
  if (signal.aborted) throw new InterruptedError('starting the machines');

  if (options.machinesOnly) return { model, kubeconfig: undefined };
  if (!rke) {
    throw new PrerequisiteError([{ name: 'rke', howToGet: rkeHowToGet(model.rkeVersion) }], 'the machines are up and provisioned; Kubernetes was not installed');
  }
  progress.set('rke', 'rke up: installing Kubernetes');
  try {
    await runStreamed(rke.path, ['up', '--config', 'cluster.yml'], {
      cwd: outDir,
      logFile: logFile(outDir, 'rke-up'),
      signal,
      onLine: (line) => {
        const step = /level=info msg="\[([\w-]+)\]/.exec(line)?.[1];
        if (step) progress.set('rke', `rke up: ${step}`);
      },
    });
  } catch (error) {
    progress.set('rke', 'failed');
    throw error;
  }
  progress.set('rke', `done in ${progress.elapsed()}`);
  return { model, kubeconfig: path.join(outDir, LAB_FILES.kubeconfig) };
}

async function upMachines(model: LabModel, outDir: string, options: ApplyOptions): Promise<void> {
  const { progress, signal } = options;
  for (const node of model.nodes) progress.set(node.name, 'waiting');
  const failures = await runBounded(
    model.nodes,
    options.jobs,
    async (node: NodeModel) => {
      progress.set(node.name, 'starting');
      try {
        // --provision: provisioning is idempotent, so a second apply converges a running machine too.
        await runStreamed('vagrant', ['up', node.name, '--provision', `--provider=${model.provider.type}`], {
          cwd: outDir,
          logFile: logFile(outDir, `vagrant-up-${node.name}`),
          signal,
          onLine: (line) => {
            const phase = phaseOf(line);
            if (phase) progress.set(node.name, phase);
          },
        });
        progress.set(node.name, `ready (${node.ip})`);
      } catch (error) {
        progress.set(node.name, error instanceof InterruptedError ? 'interrupted' : 'failed');
        throw error;
      }
    },
    () => !signal.aborted,
  );
  for (const node of model.nodes) {
    if (signal.aborted && !failures.some((f) => f.item === node)) progress.set(node.name, 'not started (interrupted)');
  }
  if (signal.aborted) return;
  if (failures.length === 1) throw failures[0]!.error;
  if (failures.length > 1) {
    const logs = failures.map((f) => (f.error instanceof CommandFailedError ? f.error.logFile : '')).filter(Boolean);
    throw new KubelabError(`${failures.length} machines failed: ${failures.map((f) => f.item.name).join(', ')}`, {
      hint: `see ${logs.join(', ')}`,
    });
  }
}
