import fs from 'fs-extra';
import path from 'node:path';
import { formatProblem, KubelabError, PrerequisiteError } from '../errors.js';
import type { LabModel, NodeModel } from '../model.js';
import { CommandFailedError, InterruptedError, quoteLines, runStreamed } from '../exec/run.js';
import { runBounded } from '../exec/pool.js';
import { checkMachinePrerequisites, providerNotes, rkeHowToGet, type Missing } from './prerequisites.js';
import { KIT_RKE_VERSION } from '../kit/components.js';
import { labKubectl, labRke, type Tool } from '../kit/tools.js';
import { ensureSshKey, requireSshKey } from '../nodes/ssh-key.js';
import { phaseOf } from '../providers/vagrant-phases.js';
import type { BusyPolicy } from '../lab/lock.js';
import { PROVIDERS } from '../providers/index.js';
import { DRIVERS } from '../providers/drivers.js';
import { checkHostServicePrerequisites, hostServicesUp, type HostServicesUp } from '../host-services/lab-services.js';
import { servicePlans } from '../host-services/plans.js';
import { refuseUnfinishedRestore } from '../snapshot/record.js';
import { recordedMachineId, recordedMachines, removeRecordedMachine, type RecordedMachine } from '../nodes/machine.js';
import { checkAddressesFree, checkRemoval, straysAmong } from '../nodes/removal.js';
import { installedNodes } from '../cluster/rke.js';
import { imagesToPrefetch, prefetchImages } from '../cluster/images.js';
import { LAB_FILES, logFile } from '../lab/files.js';
import { writeGenerated } from './generate.js';
import { labHostCheck } from './doctor.js';
import { describeJudgement, HostLimitError, remedyLines } from '../host-check/check.js';
import { openLab, type Lab } from './lab.js';
import type { ProgressView } from './progress.js';

export interface ApplyOptions {
  spec: string;
  out: string;
  jobs: number;
  rke: string | undefined;
  /** Stop once the machines are provisioned, without RKE. */
  machinesOnly: boolean;
  progress: ProgressView;
  signal: AbortSignal;
  /** When another kubelab command holds the lab, or its children still run: refuse (the default), wait, or stop it. */
  busy?: BusyPolicy;
  /** --stop-previous: how long the previous run has after its SIGINT. */
  graceMs?: number;
  /** Start the machines even when the host check finds a limit too low for them. */
  ignoreHostLimits?: boolean;
  /** Nodes the spec no longer names leave the cluster without `kubectl drain` first. */
  noDrain?: boolean;
  /** Remove nodes even when etcd would be left without a majority of its members, or no controlplane node. */
  forceRemoval?: boolean;
}

export interface ApplyResult {
  model: LabModel;
  kubeconfig: string | undefined;
  /** What runs on the host for the lab, and what was pushed to its registry. */
  services: HostServicesUp;
  /** Seconds each phase took: machines up and provisioned, `rke up`, nodes turning Ready after it. */
  phases: { machines: number; rke?: number; ready?: number };
}

/** Refuses a lab the host cannot hold before any machine starts; warns of limits it comes close to. */
async function checkHostLimits(lab: Lab, options: ApplyOptions, kubernetes: boolean): Promise<void> {
  const check = await labHostCheck(lab, kubernetes);
  const short = check.limits.some((l) => l.verdict === 'short');
  if (short && !options.ignoreHostLimits) throw new HostLimitError(check);
  for (const limit of check.limits.filter((l) => l.verdict !== 'ok')) {
    const remedy = limit.remedy ? remedyLines(limit.remedy).map((r) => `\n  ${r}`) : [];
    options.progress.note(`warning: ${limit.verdict === 'short' ? 'too low' : 'close'}: ${describeJudgement(limit, check.toStart.length)}${remedy.join('')}`);
  }
}

/**
 * generate → prerequisites → host limits → key → `vagrant up` per node (bounded) → `rke up` → every node Ready,
 * all while holding the lab, whose lock records each running child.
 */
export async function apply(options: ApplyOptions): Promise<ApplyResult> {
  const { progress } = options;
  return openLab(
    {
      spec: options.spec,
      out: options.out,
      changes: 'apply',
      busy: options.busy,
      graceMs: options.graceMs,
      note: (l) => progress.note(l),
      signal: options.signal,
    },
    (lab) => applyHeld(options, lab),
  );
}

async function applyHeld(options: ApplyOptions, lab: Lab): Promise<ApplyResult> {
  const { progress, signal } = options;
  const { model, outDir } = lab;
  await refuseUnfinishedRestore(outDir);
  for (const w of lab.warnings) progress.note(formatProblem(w));
  const written = await writeGenerated(model, options.out, false);
  if (written.written.length > 0) progress.note(`regenerated ${written.written.join(', ')}`);
  if (!model.ssh.managed) await requireSshKey(outDir, model.ssh.privateKeyPath);
  await checkMachinePrerequisites(model);
  for (const note of await providerNotes(model)) progress.note(note);
  await checkHostServicePrerequisites(model, outDir);
  const rke = options.machinesOnly ? undefined : await findClusterTools(model, outDir, options.rke);
  // Without rke no kubelet starts: the machines alone are judged.
  await checkHostLimits(lab, options, rke !== undefined);
  const removal = await planRemoval(lab, options);
  if (!options.machinesOnly && !rke) {
    progress.note(`rke was not found: the machines will be created and provisioned, then apply stops (${rkeHowToGet(model.rkeVersion)})`);
  } else if (rke && rke.version !== model.rkeVersion) {
    progress.note(
      `warning: ${rke.path} is RKE ${rke.version ?? '(unknown version)'}, the spec pins ${model.rkeVersion}; Kubernetes ${model.kubernetesVersion} may not be supported`,
    );
  }
  if (model.ssh.managed) await ensureSshKey(outDir, model.ssh.privateKeyPath, `kubelab-${model.name}`);

  let mark = Date.now();
  const lap = (): number => {
    const seconds = (Date.now() - mark) / 1000;
    mark = Date.now();
    return seconds;
  };
  // Only for rke up: without it, nothing runs the images.
  const services = await upMachinesAndServices(lab, options, rke !== undefined && !options.machinesOnly);
  if (signal.aborted) throw new InterruptedError('starting the machines');
  const machines = lap();

  if (options.machinesOnly) {
    if (removal.strays.length)
      progress.note(
        `kept the machines of ${removal.strays.map((m) => m.node).join(', ')}, which the spec no longer names, until a full apply removes their nodes`,
      );
    return { model, kubeconfig: undefined, services, phases: { machines } };
  }
  if (!rke) {
    throw new PrerequisiteError(
      [{ name: 'rke', howToGet: rkeHowToGet(model.rkeVersion) }],
      'the machines are up and provisioned; Kubernetes was not installed',
    );
  }
  if (PROVIDERS[model.provider.type].sharesHostKernel) {
    progress.note(
      `note: the kubelet sets vm.overcommit_memory=1, kernel.panic=10 and kernel.panic_on_oops=1 when it starts; the ${model.provider.type} provider's machines share the host's kernel, so these are the host's settings`,
    );
  }
  await drainRemoved(lab, removal, options);
  progress.set('rke', 'rke up: installing Kubernetes');
  try {
    await runStreamed(rke.path, ['up', '--config', 'cluster.yml'], {
      cwd: outDir,
      logFile: logFile(outDir, 'rke-up'),
      signal,
      ...lab.track('rke up', `${rke.path} up --config cluster.yml`),
      onLine: (line) => {
        const step = /level=info msg="\[([\w-]+)\]/.exec(line)?.[1];
        if (step) progress.set('rke', `rke up: ${step}`);
      },
    });
  } catch (error) {
    progress.set('rke', 'failed');
    if (error instanceof CommandFailedError) {
      throw new KubelabError(`rke up failed (exit code ${error.exitCode_ ?? '?'}); the last lines of its log:\n${quoteLines(error.tail)}`, {
        hint: `the whole log is ${error.logFile}; \`kubelab apply\` again carries on from where rke stopped`,
      });
    }
    throw error;
  }
  progress.set('rke', `done in ${progress.elapsed()}`);
  const { pointKubeconfigAtEndpoint } = await import('../cluster/kubeconfig.js');
  if ((await pointKubeconfigAtEndpoint(outDir, model)) === 'changed' && model.apiEndpoint) {
    progress.note(
      `the kubeconfig names the lab's API endpoint ${model.apiEndpoint.address}:${model.apiEndpoint.port} (${model.apiEndpoint.node}), not one controlplane node`,
    );
  }
  // rke up took the removed nodes out of Kubernetes and etcd: their machines can go.
  await removeStrays(lab, removal.strays, progress);
  const rkeSeconds = lap();
  await waitForNodes(lab, progress, signal);
  return { model, kubeconfig: lab.kubeconfig, services, phases: { machines, rke: rkeSeconds, ready: lap() } };
}

interface Removal {
  /** Machines of nodes the spec no longer names. */
  strays: RecordedMachine[];
  /** Of those, the nodes Kubernetes has (RKE's record): drained before rke up removes them. */
  kubernetesNodes: string[];
}

/** The machines the spec no longer names, refused when removing them could break the cluster. */
async function planRemoval(lab: Lab, options: ApplyOptions): Promise<Removal> {
  // One reading of Vagrant's record: the strays, and below the nodes that have no machine yet.
  const recorded = await recordedMachines(lab.outDir);
  const strays = straysAmong(recorded, lab.model);
  if (strays.length === 0) return { strays, kubernetesNodes: [] };
  const installed = (await lab.hasCluster()) ? await installedNodes(path.join(lab.outDir, LAB_FILES.rkeState)) : undefined;
  const removed = strays.map((m) => m.node);
  if (installed) {
    checkRemoval(installed, removed, options.forceRemoval ?? false);
    const machineOf = new Set(recorded.map((m) => m.node));
    checkAddressesFree(
      installed,
      removed,
      lab.model.nodes.filter((n) => !machineOf.has(n.name)),
    );
  }
  if (!options.machinesOnly)
    options.progress.note(`the spec no longer names ${removed.join(', ')}: ${installed ? 'drained, removed by rke up, then their' : 'their'} machines removed`);
  return { strays, kubernetesNodes: installed ? removed.filter((n) => (installed.get(n)?.roles ?? []).length > 0) : [] };
}

/** `kubectl drain` for each node leaving the cluster, so that its pods move before RKE removes it. */
async function drainRemoved(lab: Lab, removal: Removal, options: ApplyOptions): Promise<void> {
  if (removal.kubernetesNodes.length === 0 || options.noDrain) return;
  const kubectl = await labKubectl(lab.model);
  if (!kubectl) throw new KubelabError('no kubectl found to drain the nodes the spec removes', { hint: '`kubelab kit build` builds one, or pass --no-drain' });
  for (const node of removal.kubernetesNodes) {
    options.progress.set(node, 'draining (kubectl drain)');
    const args = ['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--timeout=3m'];
    try {
      await runStreamed(kubectl.path, args, {
        cwd: lab.outDir,
        env: { KUBECONFIG: lab.kubeconfig },
        logFile: logFile(lab.outDir, `drain-${node}`),
        signal: options.signal,
        ...lab.track(`kubectl drain ${node}`, `kubectl ${args.join(' ')}`),
      });
    } catch (error) {
      if (error instanceof CommandFailedError) {
        throw new KubelabError(`kubectl drain ${node} failed; the last lines of its log:\n${quoteLines(error.tail)}`, {
          hint: `the whole log is ${error.logFile}; \`kubelab apply --no-drain\` removes the node without draining it`,
        });
      }
      throw error;
    }
    options.progress.set(node, 'drained');
  }
}

async function removeStrays(lab: Lab, strays: readonly RecordedMachine[], progress: ProgressView): Promise<void> {
  if (strays.length === 0) return;
  // Found while the machines are there: the networks they are attached to.
  const leftovers = (await DRIVERS[lab.model.provider.type].leftovers?.find(lab.outDir)) ?? [];
  for (const machine of strays) {
    progress.set(machine.node, 'removing its machine');
    const removed = await removeRecordedMachine(lab.outDir, machine);
    progress.set(machine.node, removed ? 'machine removed (not in the spec)' : 'machine was already gone');
  }
  const removed = leftovers.length ? ((await DRIVERS[lab.model.provider.type].leftovers?.remove(leftovers)) ?? []) : [];
  if (removed.length) progress.note(`removed ${removed.join(', ')}`);
}

/** How long nodes may take to turn Ready once rke is done: the network plugin starts last. */
const READY_TIMEOUT_MS = 5 * 60_000;

async function waitForNodes(lab: Lab, progress: ProgressView, signal: AbortSignal): Promise<void> {
  const cluster = await lab.cluster();
  const names = lab.kubernetesNodes.map((n) => n.name);
  progress.set('nodes', `waiting for ${names.length} node(s) to be Ready`);
  const notReady = await cluster.waitForReady(names, {
    timeoutMs: READY_TIMEOUT_MS,
    signal,
    onPoll: (ready) => progress.set('nodes', `${ready.length}/${names.length} Ready`),
  });
  if (signal.aborted) throw new InterruptedError('waiting for the nodes to be Ready');
  if (notReady.length > 0) {
    progress.set('nodes', 'not all Ready');
    throw new KubelabError(`Kubernetes is installed, but ${notReady.join(', ')} did not turn Ready within ${READY_TIMEOUT_MS / 60_000} minutes`, {
      hint: `look with \`kubelab kubectl describe node ${notReady[0]}\` and \`kubelab kubectl -n kube-system get pods -o wide\``,
    });
  }
  progress.set('nodes', `all ${names.length} Ready after ${progress.elapsed()}`);
}

/**
 * What `rke up` needs besides the machines, checked before any machine starts. With the kit that
 * is the kit's tarball in the images folder and its rke; a lab on RKE's published images only needs
 * an rke (and without one, apply still brings the machines up).
 */
async function findClusterTools(model: LabModel, outDir: string, explicitRke: string | undefined): Promise<Tool | undefined> {
  const rke = await labRke(model, explicitRke);
  if (model.images.system !== 'kit') return rke;
  const missing: Missing[] = [];
  const build = kitHowToGet(model);
  // validate refuses the kit without an images folder (syncedFolder none), so both are set here.
  const tarball = path.resolve(outDir, model.images.hostDir!, model.images.kitTarball!);
  if (!(await fs.pathExists(tarball))) missing.push({ name: `the kit's images (${path.relative(process.cwd(), tarball)})`, howToGet: build });
  if (!rke)
    missing.push({ name: explicitRke ? `rke (${explicitRke})` : `rke ${KIT_RKE_VERSION} (the kit's)`, howToGet: explicitRke ? 'check the --rke path' : build });
  if (missing.length > 0) throw new PrerequisiteError(missing, 'nothing was started');
  return rke;
}

function kitHowToGet(model: LabModel): string {
  return `build the kit once with \`kubelab kit build --sources DIR\` (DIR holds the sources the Go module proxy refuses; it names any that are missing): Kubernetes ${model.kubernetesVersion}, about 20 minutes the first time, seconds after that`;
}

/**
 * The machines and the lab's services on the host come up together: the services bind to the host's
 * address on the private network, which the provider creates with the first machine, and VM
 * provisioning already installs packages through the package cache. With `prefetch`, each machine
 * pulls the images rke up will run on it as soon as it is up and the registry has them, while the
 * next machines still come up.
 */
async function upMachinesAndServices(lab: Lab, options: ApplyOptions, prefetch: boolean): Promise<HostServicesUp> {
  const { progress, signal } = options;
  const { model, outDir } = lab;
  let machinesDone = false;
  const row = 'host';
  if (servicePlans(model, outDir).length > 0) progress.set(row, `waiting for ${model.hostServices.address} on the private network`);
  const services = hostServicesUp(model, outDir, {
    log: (line) => progress.set(row, line),
    warn: (line) => progress.note(line),
    signal,
    machinesDone: () => machinesDone,
  });
  const prefetching: Promise<void>[] = [];
  const whenUp = prefetch ? (node: NodeModel) => void prefetching.push(prefetchOn(lab, node, services, options)) : undefined;
  const machines = upMachines(lab, options, whenUp).finally(() => {
    machinesDone = true;
  });
  const [machinesResult, servicesResult] = await Promise.allSettled([machines, services]);
  await Promise.all(prefetching);
  if (machinesResult.status === 'rejected') throw machinesResult.reason;
  if (servicesResult.status === 'rejected') {
    progress.set(row, 'failed');
    throw servicesResult.reason;
  }
  const { push } = servicesResult.value;
  if (push) progress.set(row, `registry: ${push.pushed.length} image(s) pushed, ${push.present.length} already there`);
  return servicesResult.value;
}

/** Pulls the images rke up will run on the node, once the lab's services are up; never throws. */
async function prefetchOn(lab: Lab, node: NodeModel, services: Promise<HostServicesUp>, options: ApplyOptions): Promise<void> {
  const { progress, signal } = options;
  const images = imagesToPrefetch(lab.model, node);
  const labNode = lab.nodes.find((n) => n.name === node.name);
  if (images.length === 0 || !labNode) return;
  try {
    // The registry must have the kit first: the services push it while the machines come up.
    await services;
    if (signal.aborted) return;
    const started = Date.now();
    progress.set(node.name, `ready (${node.ip}); pulling ${images.length} image(s) rke up runs here from the lab registry`);
    const { pulled, failed } = await prefetchImages(labNode, images, signal);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    progress.set(node.name, `ready (${node.ip}); ${pulled ? `${pulled} image(s) pulled in ${seconds}s` : 'images already there'}`);
    if (failed.length > 0) progress.note(`warning: ${node.name} could not pull ${failed.join(', ')} from the lab registry; rke up will try again`);
  } catch {
    // The services' failure is apply's to report; this pull only saves time.
  }
}

async function upMachines(lab: Lab, options: ApplyOptions, whenUp?: (node: NodeModel) => void): Promise<void> {
  const { progress, signal } = options;
  const { model, outDir } = lab;
  const provider = `--provider=${model.provider.type}`;
  /** One vagrant call for a node: its own log, tracked in the lab lock, its phases shown. */
  const vagrant = (node: NodeModel, args: string[]): Promise<unknown> =>
    runStreamed('vagrant', args, {
      cwd: outDir,
      logFile: logFile(outDir, `vagrant-${args[0]!}-${node.name}`),
      signal,
      ...lab.track(`vagrant ${args[0]!} for node ${node.name}`, ['vagrant', ...args].join(' ')),
      onLine: (line) => {
        const phase = phaseOf(line);
        if (phase) progress.set(node.name, phase);
      },
    });
  const exists = async (node: NodeModel): Promise<boolean> => (await recordedMachineId(outDir, model.provider.type, node.name)) !== undefined;
  /** Runs `work` for the node, showing failed or interrupted when it throws. */
  const showing = async (node: NodeModel, work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      progress.set(node.name, error instanceof InterruptedError ? 'interrupted' : 'failed');
      throw error;
    }
  };

  /** Calls `vagrant ARGS` once more after a failure that is a known race of the provider's plugin, or rethrows. */
  const againAfterRace = async (node: NodeModel, args: string[], error: unknown): Promise<unknown> => {
    const race = args[0] === 'up' && error instanceof CommandFailedError ? DRIVERS[model.provider.type].raceIn?.(error.tail) : undefined;
    if (race === undefined || signal.aborted) throw error;
    progress.note(`${node.name}: vagrant up failed because ${race}; trying once more`);
    return vagrant(node, args);
  };

  for (const node of model.nodes) progress.set(node.name, 'waiting');
  const first = model.nodes[0]!;
  if (options.jobs > 1 && model.nodes.length > 1 && !(await exists(first)) && (await DRIVERS[model.provider.type].createOneFirst?.(model))) {
    progress.set(first.name, 'creating it before the others (the provider sets up what they share)');
    await showing(first, () => vagrant(first, ['up', first.name, '--no-provision', provider]).then(() => undefined));
  }
  const failures = await runBounded(
    model.nodes,
    options.jobs,
    async (node: NodeModel) => {
      progress.set(node.name, 'starting');
      await showing(node, async () => {
        // Provisioning is idempotent, so a second apply converges an existing machine too. It is
        // brought up first and provisioned after: given a running machine, `vagrant up --provision`
        // runs every provisioner twice on vagrant-libvirt.
        const calls = (await exists(node))
          ? [
              ['up', node.name, '--no-provision', provider],
              ['provision', node.name],
            ]
          : [['up', node.name, '--provision', provider]];
        for (const args of calls) await vagrant(node, args).catch((error: unknown) => againAfterRace(node, args, error));
        progress.set(node.name, `ready (${node.ip})`);
        whenUp?.(node);
      });
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
