import fs from 'fs-extra';
import { findConflicts } from './conflicts.js';
import { describeFault } from './describe.js';
import { FaultActionError, FaultConflictError, FaultInputError } from './errors.js';
import { InjectionFailed, injectSteps, runAction, undoSteps, type ExecContext } from './execute.js';
import { appendJournal, entryFor, type JournalEntry } from '../lab/journal.js';
import { labNode } from '../nodes/node.js';
import { familyOf, recoveryOf, sweepScript, unmetNeed, type RecoveryName } from './families/index.js';
import type { Step } from './steps.js';
import { statePath, updateState } from '../lab/state.js';
import { sleepUntil, startTimer, stopTimer } from './timer.js';
import type { FaultParams, FaultRecord, FaultState, LabAccess } from './types.js';

/**
 * What `kubelab fault …` does, under the lab's fault lock: every entry point first undoes the faults
 * whose time is up (so a dead timer never leaves one behind), records a fault before injecting it
 * (so a dead kubelab never leaves one unknown), and journals every injection and undo.
 */
export interface FaultEnv {
  outDir: string;
  note: (line: string) => void;
  now?: () => Date;
}

const nowOf = (env: FaultEnv): Date => env.now?.() ?? new Date();

function execContext(env: FaultEnv, state: FaultState, lab: LabAccess): ExecContext {
  return { outDir: env.outDir, lab, active: state.faults, note: env.note };
}

/** The record of a fault about to be injected (its id is the state's next one). */
export function buildRecord(state: FaultState, lab: LabAccess, params: FaultParams, forMs: number | undefined, now: Date): FaultRecord {
  const id = `f${state.nextId}`;
  const { targets, pairs } = familyOf(params.kind).targets(params, lab);
  return {
    id,
    kind: params.kind,
    params,
    lab,
    targets,
    ...(pairs ? { pairs } : {}),
    injectedAt: now.toISOString(),
    ...(forMs === undefined ? {} : { expiresAt: new Date(now.getTime() + forMs).toISOString() }),
  };
}

async function journal(env: FaultEnv, entry: Omit<JournalEntry, 'ts'>): Promise<void> {
  await appendJournal(env.outDir, entry);
}

/** How a fault is done and undone, node by node, as its family plans it. */
const planOf = (fault: FaultRecord, lab: LabAccess, forMs: number | undefined): Step[] => familyOf(fault.kind).plan(fault, { lab, forMs });

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Undoes one fault everywhere and forgets it; on failure it stays recorded (undo can be retried:
 * every undo is idempotent) and the failures are returned.
 */
async function undoOne(env: FaultEnv, state: FaultState, fault: FaultRecord, action: JournalEntry['action'], save: () => Promise<void>): Promise<string[]> {
  await stopTimer(fault);
  const failures = await undoSteps(execContext(env, state, fault.lab), fault, planOf(fault, fault.lab, undefined));
  if (failures.length === 0) {
    state.faults = state.faults.filter((f) => f.id !== fault.id);
    await save();
    await journal(env, entryFor(fault, action, 'ok'));
    return [];
  }
  const messages = failures.map((f) => errorText(f.error));
  await journal(env, entryFor(fault, action, 'error', messages.join('; ')));
  return messages;
}

/** Machine-level faults first (a frozen node must be resumed before anything is undone inside it), newest first. */
function undoOrder(faults: readonly FaultRecord[]): FaultRecord[] {
  const newestFirst = [...faults].reverse();
  const outside = (f: FaultRecord): boolean => familyOf(f.kind).scope === 'machine';
  return [...newestFirst.filter(outside), ...newestFirst.filter((f) => !outside(f))];
}

/** Undoes the faults whose --for is over; returns the ids undone. */
async function expireDue(env: FaultEnv, state: FaultState, save: () => Promise<void>): Promise<string[]> {
  const now = nowOf(env).getTime();
  const due = state.faults.filter((f) => f.expiresAt !== undefined && Date.parse(f.expiresAt) <= now);
  const undone: string[] = [];
  for (const fault of undoOrder(due)) {
    const failures = await undoOne(env, state, fault, 'expire', save);
    if (failures.length === 0) {
      undone.push(fault.id);
      env.note(`${fault.id} expired and was undone: ${describeFault(fault)}`);
    } else {
      env.note(`warning: ${fault.id} expired, but undoing it failed: ${failures.join('; ')}`);
    }
  }
  return undone;
}

export async function injectFault(env: FaultEnv, lab: LabAccess, params: FaultParams, forMs: number | undefined): Promise<FaultRecord> {
  const unmet = unmetNeed(params.kind, lab.provider);
  if (unmet) throw new FaultInputError(unmet.message, unmet.hint);
  return updateState(env.outDir, async (state, save) => {
    await expireDue(env, state, save);
    const record = buildRecord(state, lab, params, forMs, nowOf(env));
    const conflicts = findConflicts(record, state.faults);
    if (conflicts.length > 0) {
      const ids = [...new Set(conflicts.map((c) => c.with.id))];
      throw new FaultConflictError(
        `cannot inject ${describeFault(record)}: ${conflicts.map((c) => c.reason).join('; ')}`,
        `undo it first (kubelab fault undo ${ids.join(' ')}), or see kubelab fault list`,
      );
    }
    const steps = planOf(record, lab, forMs);
    // Recorded before anything is done: should kubelab die half-way, the fault is still known.
    state.nextId += 1;
    state.lab = lab;
    state.faults.push({ ...record, pending: true });
    await save();
    try {
      await injectSteps(execContext(env, state, lab), record, steps);
    } catch (error) {
      const { reason, leftovers } = error instanceof InjectionFailed ? error : { reason: error, leftovers: [] };
      if (leftovers.length === 0) {
        state.faults = state.faults.filter((f) => f.id !== record.id);
      } else {
        // Could not be rolled back everywhere: it stays recorded, so that undo or clear can finish.
        env.note(
          `warning: ${record.id} failed, and rolling it back failed on ${leftovers.join(', ')}: it stays recorded; kubelab fault undo ${record.id} removes what is left`,
        );
      }
      await save();
      await journal(env, entryFor(record, 'inject', 'error', errorText(reason) + (leftovers.length ? `; not rolled back on ${leftovers.join(', ')}` : '')));
      throw reason;
    }
    if (record.expiresAt !== undefined) record.timerPid = await startTimer(env.outDir, record);
    state.faults = state.faults.map((f) => (f.id === record.id ? record : f));
    await save();
    await journal(env, entryFor(record, 'inject', 'ok'));
    return record;
  });
}

export async function listFaults(env: FaultEnv): Promise<FaultRecord[]> {
  // No state: nothing was ever injected here; a look creates no files.
  if (!(await fs.pathExists(statePath(env.outDir)))) return [];
  return updateState(env.outDir, async (state, save) => {
    await expireDue(env, state, save);
    return state.faults;
  });
}

/** `fault undo ID…`: every id must be active (or have just expired); each is undone. */
export async function undoFaults(env: FaultEnv, ids: string[]): Promise<string[]> {
  return updateState(env.outDir, async (state, save) => {
    const expired = await expireDue(env, state, save);
    const unknown = ids.filter((id) => !expired.includes(id) && !state.faults.some((f) => f.id === id));
    if (unknown.length > 0) {
      throw new FaultInputError(
        `no active fault ${unknown.join(', ')}`,
        state.faults.length > 0 ? `active: ${state.faults.map((f) => f.id).join(', ')} (kubelab fault list)` : 'no fault is active',
      );
    }
    const failures: string[] = [];
    const undone: string[] = [];
    for (const fault of undoOrder(state.faults.filter((f) => ids.includes(f.id)))) {
      const messages = await undoOne(env, state, fault, 'undo', save);
      if (messages.length === 0) undone.push(fault.id);
      else failures.push(`${fault.id}: ${messages.join('; ')}`);
    }
    if (failures.length > 0)
      throw new FaultActionError(
        `undo failed, the fault stays recorded:\n  ${failures.join('\n  ')}`,
        'fix the cause and run the same undo again: undo is safe to repeat',
      );
    return undone;
  });
}

/**
 * The timer's entry point: at `at`, undo what is due. A fault undone by hand meanwhile is not
 * there any more; one injected again under the same id has a later expiresAt and is not due.
 */
export async function expireAt(env: FaultEnv, at: Date): Promise<string[]> {
  await sleepUntil(at);
  return updateState(env.outDir, async (state, save) => expireDue(env, state, save));
}

export interface ClearResult {
  undone: string[];
  failed: string[];
  swept: string[];
}

/**
 * `fault clear`: undoes every recorded fault, then sweeps every node of the lab for anything a
 * fault may have left (chains, qdiscs, processes, fill files), recorded or not.
 */
export async function clearFaults(env: FaultEnv, fallbackLab: LabAccess | undefined): Promise<ClearResult> {
  return updateState(env.outDir, async (state, save) => {
    await expireDue(env, state, save);
    const result: ClearResult = { undone: [], failed: [], swept: [] };
    for (const fault of undoOrder(state.faults)) {
      const messages = await undoOne(env, state, fault, 'clear', save);
      if (messages.length === 0) result.undone.push(fault.id);
      else result.failed.push(`${fault.id}: ${messages.join('; ')}`);
    }
    const lab = state.lab ?? fallbackLab;
    if (lab) result.swept = await sweep(env, state, lab);
    return result;
  });
}

async function sweep(env: FaultEnv, state: FaultState, lab: LabAccess): Promise<string[]> {
  const down = new Set(state.faults.filter((f) => familyOf(f.kind).holdsNodeDown).flatMap((f) => f.targets));
  const sweep = sweepScript(lab);
  const found: string[] = [];
  await Promise.all(
    lab.nodes
      .filter((n) => !down.has(n.name))
      .map(async (node) => {
        const lines: string[] = [];
        const context = { ...execContext(env, state, lab), note: (line: string) => lines.push(line) };
        try {
          await runAction(context, node.name, { type: 'script', script: sweep }, 'sweep it');
        } catch (error) {
          env.note(`warning: could not sweep ${node.name}: ${errorText(error)}`);
          return;
        }
        if (lines.length === 0) return;
        found.push(...lines);
        await journal(env, { action: 'clear', id: null, kind: 'sweep', targets: [node.name], params: {}, result: 'ok', message: lines.join('; ') });
      }),
  );
  return found;
}

/**
 * A recovery (`fault resume`, `fault start`): bring nodes back. A node under a recorded fault the
 * recovery undoes (resume: freeze; start: stop, crash) has that fault undone on it (a fault on
 * several nodes keeps the others); any other node gets the recovery's machine op anyway if its
 * machine is in the state the recovery starts from, journalled as `recover`.
 */
export async function recoverNodes(env: FaultEnv, lab: LabAccess, name: RecoveryName, nodes: string[]): Promise<string[]> {
  const { family, recovery } = recoveryOf(name);
  return updateState(env.outDir, async (state, save) => {
    await expireDue(env, state, save);
    const done: string[] = [];
    for (const fault of state.faults.filter((f) => recovery.undoes.includes(f.kind) && f.targets.some((t) => nodes.includes(t)))) {
      const here = fault.targets.filter((t) => nodes.includes(t));
      if (here.length === fault.targets.length || !family.restrict) {
        const messages = await undoOne(env, state, fault, 'undo', save);
        if (messages.length > 0) throw new FaultActionError(`${name} failed: ${messages.join('; ')}`);
      } else {
        // Only some of the fault's nodes: undo it there, and keep it on the others.
        const failures = await undoSteps(
          execContext(env, state, fault.lab),
          fault,
          planOf(fault, fault.lab, undefined).filter((s) => here.includes(s.node)),
        );
        if (failures.length > 0) throw new FaultActionError(`${name} failed: ${failures.map((f) => errorText(f.error)).join('; ')}`);
        const rest = fault.targets.filter((t) => !here.includes(t));
        const partial: FaultRecord = { ...fault, targets: here, params: family.restrict(fault.params, here) };
        Object.assign(fault, { targets: rest, params: family.restrict(fault.params, rest) });
        await save();
        await journal(env, entryFor(partial, 'undo', 'ok', `${fault.id} stays on ${rest.join(', ')}`));
      }
      done.push(...here);
    }
    // Nodes no fault holds: recovered only if their machine is in the state the recovery starts from.
    await Promise.all(
      nodes
        .filter((n) => !done.includes(n))
        .map(async (nodeName) => {
          const current = await labNode(env.outDir, lab, nodeName).state();
          if (current !== recovery.from) {
            env.note(`${nodeName} is ${current}: nothing to ${name}`);
            return;
          }
          try {
            await runAction(execContext(env, state, lab), nodeName, { type: 'machine', op: recovery.op }, name);
            await journal(env, { action: 'recover', id: null, kind: name, targets: [nodeName], params: {}, result: 'ok' });
            done.push(nodeName);
          } catch (error) {
            await journal(env, { action: 'recover', id: null, kind: name, targets: [nodeName], params: {}, result: 'error', message: errorText(error) });
            throw error;
          }
        }),
    );
    return done;
  });
}

/**
 * Before `destroy`: the machines go, and what faults did inside them goes with them. Timers are
 * ended, frozen machines resumed (a paused machine may refuse to be destroyed), and every fault is
 * journalled as cleared. Best effort: nothing here stops a destroy.
 */
export async function dropFaultsForDestroy(env: FaultEnv): Promise<string[]> {
  if (!(await fs.pathExists(statePath(env.outDir)))) return [];
  return updateState(env.outDir, async (state) => {
    const dropped = state.faults.map((f) => f.id);
    for (const fault of undoOrder(state.faults)) {
      await stopTimer(fault);
      let message = 'the lab was destroyed';
      if (familyOf(fault.kind).undoBeforeDestroy?.includes(fault.kind)) {
        const failures = await undoSteps(execContext(env, state, fault.lab), fault, planOf(fault, fault.lab, undefined));
        if (failures.length > 0) message += `; resuming first failed: ${failures.map((f) => errorText(f.error)).join('; ')}`;
      }
      await journal(env, entryFor(fault, 'clear', 'ok', message));
    }
    state.faults = [];
    return dropped;
  });
}
