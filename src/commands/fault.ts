import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import type { ClearResult, FaultEnv } from '../fault/engine.js';
import { FaultInputError } from '../fault/errors.js';
import type { RecoveryName } from '../fault/families/index.js';
import type { ClusterFacts } from '../fault/family.js';
import { resolveSelectors } from '../fault/selectors.js';
import { faultSupport, readHostKernelConfig, type KindSupport } from '../fault/support.js';
import type { FaultParams, FaultRecord, LabAccess } from '../fault/types.js';
import type { LabLockRecord } from '../lab/lock.js';
import { PROVIDERS } from '../providers/index.js';
import { openLab, openLabFolder, type Lab } from './lab.js';

/**
 * `kubelab fault …`: each command opens the lab and, when it changes it, holds it, so that no apply
 * or destroy runs meanwhile; another fault command (a timer's undo) is short and waited for.
 */
export interface FaultOptions {
  spec: string;
  out: string;
  /** Where the engine's notes go: an expired fault, a node's output. */
  note: (line: string) => void;
}

/** The engine loads only when a fault command runs, not for `kubelab --help`. */
const engine = () => import('../fault/engine.js');

const NOT_UP = "name the lab's output folder with --out, or bring the lab up with `kubelab apply`";
const waitsForFaults = (holder: LabLockRecord): boolean => holder.command.startsWith('fault ');

/** The lab held for a fault command, which waits for another fault command. */
const held = (options: Omit<FaultOptions, 'spec'>, command: string) => ({
  out: options.out,
  changes: `fault ${command}`,
  retry: null,
  waitsFor: waitsForFaults,
  note: options.note,
});

const envOf = (outDir: string, note: (line: string) => void): FaultEnv => ({ outDir, note });

/** What a fault's command may ask the running cluster as the fault starts. */
const clusterFacts = (lab: Lab): ClusterFacts => ({
  async etcdLeader() {
    const { etcdLeaderNode } = await import('../cluster/etcd.js');
    const leader = await etcdLeaderNode(lab.nodes);
    if (leader === undefined)
      throw new FaultInputError('no etcd member names a leader now', 'kubelab status shows whether etcd is healthy; try again once it has a leader');
    return leader;
  },
});

/** Faults act on running machines: the lab's key is there once apply made them. */
async function requireUp(lab: Lab): Promise<LabAccess> {
  const key = path.join(lab.outDir, lab.model.ssh.privateKeyPath);
  if (!(await fs.pathExists(key))) {
    throw new KubelabError(`lab ${lab.model.name} is not up: ${key} does not exist`, {
      hint: 'bring it up with `kubelab apply` (--machines-only is enough for most faults)',
    });
  }
  return lab.access;
}

/** Injects the fault that `build` makes of the lab (it resolves the selectors); undone by itself after `forMs`, when given. */
export async function faultInject(
  options: FaultOptions & { build: (lab: LabAccess, facts: ClusterFacts) => Promise<FaultParams>; forMs: number | undefined },
): Promise<FaultRecord> {
  const { injectFault } = await engine();
  return openLab({ spec: options.spec, ...held(options, 'inject') }, async (lab) => {
    const access = await requireUp(lab);
    const params = await options.build(access, clusterFacts(lab));
    const { apiImpact } = await import('../fault/api-impact.js');
    const { familyOf } = await import('../fault/families/index.js');
    const impact = apiImpact(lab.model, params, familyOf(params.kind).targets(params, access).targets);
    if (impact) options.note(`note: ${impact}`);
    return injectFault(envOf(lab.outDir, options.note), access, params, options.forMs);
  });
}

/** `fault resume`, `fault start`, …: brings the selected nodes back; returns them. */
export async function faultRecover(options: FaultOptions & { recovery: RecoveryName; selectors: string[] }): Promise<string[]> {
  const { recoverNodes } = await engine();
  return openLab({ spec: options.spec, ...held(options, options.recovery) }, async (lab) => {
    const access = await requireUp(lab);
    return recoverNodes(envOf(lab.outDir, options.note), access, options.recovery, resolveSelectors(access.nodes, options.selectors, options.recovery));
  });
}

/** The active faults (undoing those whose time is up first). */
export async function faultList(options: Omit<FaultOptions, 'spec'>): Promise<FaultRecord[]> {
  const { listFaults } = await engine();
  return openLabFolder({ out: options.out, mustExist: NOT_UP, note: options.note }, (folder) => listFaults(envOf(folder.outDir, options.note)));
}

/** Undoes the faults by id; returns those undone. */
export async function faultUndo(options: Omit<FaultOptions, 'spec'> & { ids: string[] }): Promise<string[]> {
  const { undoFaults } = await engine();
  return openLabFolder({ ...held(options, 'undo'), mustExist: NOT_UP }, (folder) => undoFaults(envOf(folder.outDir, options.note), options.ids));
}

/** The --for timer: at `at`, undoes what is due, after any running apply or fault (it waits its turn). */
export async function faultTimer(options: Omit<FaultOptions, 'spec'> & { at: Date }): Promise<string[]> {
  const [{ expireAt }, { sleepUntil }] = await Promise.all([engine(), import('../fault/timer.js')]);
  // It sleeps without the lab, which it takes only when the time has come.
  await sleepUntil(options.at);
  return openLabFolder({ ...held(options, 'undo (timer)'), busy: 'wait', mustExist: NOT_UP }, (folder) =>
    expireAt(envOf(folder.outDir, options.note), options.at),
  );
}

/** Undoes every active fault and sweeps every node for leftovers; without a recorded lab, the spec's (if it is up) says which nodes. */
export async function faultClear(options: FaultOptions): Promise<ClearResult> {
  const { clearFaults } = await engine();
  const fallback = await openLab({ spec: options.spec, out: options.out, note: options.note }, requireUp).catch(() => undefined);
  return openLabFolder({ ...held(options, 'clear'), mustExist: NOT_UP }, (folder) => clearFaults(envOf(folder.outDir, options.note), fallback));
}

/** Which kinds of fault work on the lab's provider, and why not. */
export async function faultSupportOf(options: Omit<FaultOptions, 'note'>): Promise<{ lab: string; provider: string; kinds: KindSupport[] }> {
  return openLab({ ...options, note: () => undefined }, async (lab) => {
    const facts = PROVIDERS[lab.model.provider.type];
    const kinds = faultSupport(facts, facts.sharesHostKernel ? await readHostKernelConfig() : undefined);
    return { lab: lab.model.name, provider: lab.model.provider.type, kinds };
  });
}
