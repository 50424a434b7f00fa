import { describeFault } from '../fault/describe.js';
import { COMPONENTS } from '../fault/families/component.js';
import { kindCommand } from '../fault/families/index.js';
import { SHAPE_NAMES } from '../fault/partition-shapes.js';
import type { FaultParams, FaultRecord, LabAccess } from '../fault/types.js';
import type { SourcePath } from '../input/source.js';
import { closest } from '../spec/validate.js';
import { formatDuration, parseDuration } from '../units.js';
import { describeCondition } from './conditions.js';
import { faultParams, resolveCondition, substitute } from './resolve.js';
import type { Timeline } from './timeline.js';
import type { ConditionTracker } from './tracker.js';
import type { Condition, FaultStep, ScenarioDocument, StepSpec } from './types.js';

export type StepKey = 'fault' | 'undo' | 'wait' | 'sleep' | 'kubectl';
/** The steps of a kind; of several kinds, each kind's. */
export type StepOf<K extends StepKey> = K extends StepKey ? Extract<StepSpec, Record<K, unknown>> : never;

// Fails to compile when StepSpec gains a kind of step that has no key here, and so no entry in the table.
const everyStep: [Exclude<StepSpec, StepOf<StepKey>>] extends [never] ? true : never = true;
void everyStep;

export type ErrorAt = (path: SourcePath, message: string, hint?: string, on?: 'key' | 'value') => void;

/** What checking one step uses (checkScenario makes it): the scenario, where the step is, and how to report. */
export interface StepChecks {
  doc: ScenarioDocument;
  index: number;
  /** ['steps', index] */
  at: SourcePath;
  /** Each step id, and its step's index. */
  ids: ReadonlyMap<string, number>;
  /** The fault steps undone so far (their index), and the index of the undo step of each. */
  undoneBy: Map<number, number>;
  error: ErrorAt;
  /** Checks the `$variables` in a node selector or reference. */
  useVariables(text: string, path: SourcePath): void;
  checkDuration(text: string | undefined, path: SourcePath): void;
  checkCondition(condition: Condition, path: SourcePath): void;
}

/** What the steps changed on the lab, for `undo:` and for the cleanup at the end of the run. */
export class LabChanges {
  /** Every fault injected, in order. */
  readonly injected: string[] = [];
  /** The fault each fault step injected, by step id. */
  readonly faultOfStep = new Map<string, string>();
  /** kubectl steps' reverts not yet run, by step id. */
  readonly reverts = new Map<string, string[]>();
}

/**
 * The runner's hands on the lab, handed to the steps: this module is read by `scenario validate`
 * too, which needs neither the fault engine nor a way to run kubectl.
 */
export interface LabActions {
  injectFault(params: FaultParams, forMs: number | undefined): Promise<FaultRecord>;
  undoFault(id: string): Promise<void>;
  kubectl(args: readonly string[]): Promise<void>;
}

/** What running a step uses. */
export interface StepRun {
  lab: LabAccess;
  /** The `$variables`, as picked. */
  picked: Readonly<Record<string, string>>;
  timeline: Timeline;
  tracker: ConditionTracker;
  /** When the steps began (ms since the run began): a wait's condition counts from then at the earliest. */
  stepsBeginMs: number;
  signal: AbortSignal;
  actions: LabActions;
  changes: LabChanges;
}

/** How a step ended: when it was done (ms since the run began), or why its wait gave up. */
export type StepEnd = { doneMs: number } | { timedOut: string };

/**
 * One kind of step, describing itself: what the checks after the schema look at, whether an undo
 * may name it, its line in the report, how it runs, and which of its moments expectations measure.
 */
export interface StepKind<K extends StepKey> {
  key: K;
  check(step: StepOf<K>, checks: StepChecks): void;
  /** Whether `undo:` may name the step: true, or how the refusal names it ("a wait step"). */
  undoable(step: StepOf<K>): true | string;
  /** For a step that leaves the lab broken when no later step undoes it: the warning, given the words that say how to undo it. */
  neverUndone?(step: StepOf<K>, undo: string): { message: string; hint: string } | undefined;
  /** The condition it waits for: the probes a run starts follow from the conditions asked. */
  waitsFor?(step: StepOf<K>): Condition;
  /** Its line in the report and the run's notes, `$variables` resolved: "fault kill component=etcd node=cp". */
  text(step: StepOf<K>, picked: Readonly<Record<string, string>>): string;
  run(step: StepOf<K>, id: string, run: StepRun): Promise<StepEnd>;
  /**
   * The moment expectations measure from and to: the start of an action (a fault, an undo,
   * kubectl) — a Docker stop takes seconds, and the failure starts with it — and the end of a wait
   * (when its condition first held) or a sleep.
   */
  moment: 'start' | 'done';
}

export type AnyStepKind = StepKind<StepKey>;

const DEFAULT_WAIT_MS = 5 * 60_000;

/** Every kind of step, by its key. */
export const STEP_KINDS: { readonly [K in StepKey]: StepKind<K> } = {
  fault: {
    key: 'fault',
    check: (step, checks) => checkFault(step.fault, [...checks.at, 'fault'], checks),
    undoable: () => true,
    neverUndone(step, undo) {
      if (step.fault.for !== undefined || !kindCommand(step.fault.kind)?.family.holdsNodeDown) return undefined;
      return { message: `\`${step.fault.kind}\` keeps its nodes down after the scenario: no later step undoes it`, hint: `${undo}, or \`for:\` to the fault` };
    },
    text(step, picked) {
      const { kind, ...rest } = step.fault;
      const words = Object.entries(rest).map(([k, v]) => `${k}=${substitute(Array.isArray(v) ? v.join(',') : String(v), picked)}`);
      return `fault ${kind} ${words.join(' ')}`.trim();
    },
    async run(step, id, run) {
      const { params, forMs } = faultParams(step.fault, run.picked, run.lab);
      const fault = await run.actions.injectFault(params, forMs);
      run.changes.injected.push(fault.id);
      run.changes.faultOfStep.set(id, fault.id);
      return { doneMs: run.timeline.record({ type: 'fault', action: 'inject', id: fault.id, text: describeFault(fault), targets: fault.targets }).t };
    },
    moment: 'start',
  },
  undo: {
    key: 'undo',
    check(step, checks) {
      const target = checkUndo(step.undo, [...checks.at, 'undo'], checks);
      if (target !== undefined) checks.undoneBy.set(target, checks.index);
    },
    undoable: () => 'an undo step',
    text: (step) => `undo ${step.undo}`,
    async run(step, _id, run) {
      const revert = run.changes.reverts.get(step.undo);
      if (revert) {
        run.changes.reverts.delete(step.undo);
        await run.actions.kubectl(revert);
        return { doneMs: run.timeline.elapsed() };
      }
      const faultId = run.changes.faultOfStep.get(step.undo);
      if (!faultId) throw new Error(`step ${step.undo} injected no fault`);
      await run.actions.undoFault(faultId);
      return { doneMs: run.timeline.record({ type: 'fault', action: 'undo', id: faultId, text: `undo ${faultId} (${step.undo})`, targets: [] }).t };
    },
    moment: 'start',
  },
  wait: {
    key: 'wait',
    check(step, checks) {
      checks.checkCondition(step.wait, [...checks.at, 'wait']);
      checks.checkDuration(step.timeout, [...checks.at, 'timeout']);
    },
    undoable: () => 'a wait step',
    waitsFor: (step) => step.wait,
    text: (step, picked) => `wait until ${describeCondition(resolveCondition(step.wait, picked))}`,
    async run(step, _id, run) {
      const timeoutMs = step.timeout === undefined ? DEFAULT_WAIT_MS : (parseDuration(step.timeout) ?? DEFAULT_WAIT_MS);
      const at = await run.tracker.waitFor(resolveCondition(step.wait, run.picked), { timeoutMs, notBefore: run.stepsBeginMs, signal: run.signal });
      if (at === null) return { timedOut: run.signal.aborted ? 'interrupted' : `not seen within ${formatDuration(timeoutMs)}` };
      return { doneMs: at };
    },
    moment: 'done',
  },
  sleep: {
    key: 'sleep',
    check: (step, checks) => checks.checkDuration(step.sleep, [...checks.at, 'sleep']),
    undoable: () => 'a sleep step',
    text: (step) => `sleep ${step.sleep}`,
    async run(step, _id, run) {
      await sleep(parseDuration(step.sleep) ?? 0, run.signal);
      return { doneMs: run.timeline.elapsed() };
    },
    moment: 'done',
  },
  kubectl: {
    key: 'kubectl',
    check: () => undefined,
    undoable: (step) => step.revert !== undefined || 'a kubectl step without `revert`',
    text: (step) => `kubectl ${step.kubectl.join(' ')}`,
    async run(step, id, run) {
      await run.actions.kubectl(step.kubectl);
      if (step.revert) run.changes.reverts.set(id, step.revert);
      return { doneMs: run.timeline.elapsed() };
    },
    moment: 'start',
  },
};

const KINDS: readonly AnyStepKind[] = Object.values(STEP_KINDS);

/** The kind of a step: the schema lets each step have exactly one kind's key. */
export function kindOf(step: StepSpec): AnyStepKind {
  const kind = KINDS.find((k) => k.key in step);
  if (!kind) throw new Error(`no kind of step has the keys of ${JSON.stringify(step)}`);
  return kind;
}

/** A step's id: its own, or its place ("step-3"). */
export const stepId = (step: StepSpec, index: number): string => step.id ?? `step-${index + 1}`;

/** The conditions the scenario's steps wait for. */
export const waitConditions = (doc: ScenarioDocument): Condition[] => doc.steps.flatMap((step) => kindOf(step).waitsFor?.(step) ?? []);

/** Waits `ms`, or less when Ctrl-C comes first. */
export const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

/** Fault values that name nodes, where `$variables` may stand; the schema gives them the selector pattern. */
const SELECTOR_OPTIONS = new Set(['node', 'nodes', 'from', 'to', 'among']);

/** Values that only take a known word, checked here so that a typo is caught before the run, not mid-way. */
const CHOICES: Readonly<Record<string, readonly string[]>> = { component: COMPONENTS, shape: SHAPE_NAMES };

/** Every option name a kind accepts in a scenario: its positional, its options, and `for`. */
export function faultOptionNames(kind: string): string[] {
  const info = kindCommand(kind);
  if (!info) return [];
  return [...(info.command.positional ? [info.command.positional.name] : []), ...Object.keys(info.command.options ?? {}), 'for'];
}

function checkFault(fault: FaultStep, at: SourcePath, { error, useVariables, checkDuration }: StepChecks): void {
  const info = kindCommand(fault.kind);
  if (!info) return; // the schema's enum has said so already
  const { command } = info;
  const accepted = faultOptionNames(fault.kind);
  for (const [name, value] of Object.entries(fault)) {
    if (name === 'kind' || value === undefined) continue;
    const path = [...at, name];
    if (!accepted.includes(name)) {
      const guess = closest(name, accepted);
      error(
        path,
        `\`${fault.kind}\` has no option \`${name}\``,
        guess ? `did you mean \`${guess}\`?` : `\`${fault.kind}\` takes ${accepted.join(', ')}`,
        'key',
      );
      continue;
    }
    if (SELECTOR_OPTIONS.has(name)) for (const text of Array.isArray(value) ? value : [String(value)]) useVariables(text, path);
    if (name === 'for') checkDuration(String(value), path);
    const option = command.options?.[name];
    const isPositional = command.positional?.name === name;
    const wanted = option?.type ?? 'string';
    const fits =
      wanted === 'boolean'
        ? typeof value === 'boolean'
        : wanted === 'number'
          ? typeof value === 'number'
          : typeof value === 'string' || typeof value === 'number' || (Array.isArray(value) && isPositional && command.positional?.variadic === true);
    if (!fits) {
      const words = wanted === 'boolean' ? 'true or false' : wanted === 'number' ? 'a number' : 'a word or a number';
      const describe = option?.describe ?? command.positional?.describe;
      error(path, `expected ${words}, got ${JSON.stringify(value)}`, `write ${words}${describe ? ` (${describe})` : ''}`);
      continue;
    }
    const choices = CHOICES[name];
    if (choices && typeof value === 'string' && !choices.includes(value)) {
      const guess = closest(value, [...choices]);
      error(path, `\`${fault.kind}\` knows no ${name} ${JSON.stringify(value)}`, guess ? `did you mean "${guess}"?` : `choose from ${choices.join(', ')}`);
    }
  }
  const required = [
    ...(command.positional ? [{ name: command.positional.name, describe: command.positional.describe }] : []),
    ...Object.entries(command.options ?? {})
      .filter(([, option]) => option.demand === true)
      .map(([name, option]) => ({ name, describe: option.describe })),
  ];
  for (const { name, describe } of required) {
    if (fault[name] === undefined) error(at, `\`${fault.kind}\` needs \`${name}\``, `add \`${name}:\` to the fault (${describe.replace(/\.$/, '')})`);
  }
}

/** The index of the step an undo names, when it names one it may undo. */
function checkUndo(id: string, path: SourcePath, { doc, index, ids, undoneBy, error }: StepChecks): number | undefined {
  const target = ids.get(id);
  const mayUndo = (i: number): boolean => kindOf(doc.steps[i]!).undoable(doc.steps[i]!) === true;
  const earlierFaults = [...ids].filter(([, i]) => i < index && mayUndo(i)).map(([name]) => name);
  if (target === undefined) {
    const guess = closest(id, earlierFaults);
    const hint = guess
      ? `did you mean \`${guess}\`?`
      : earlierFaults.length > 0
        ? `undo names an earlier fault step by its id: ${earlierFaults.join(', ')}`
        : 'undo names an earlier fault step by its id: give that step an `id:`';
    error(path, `no step has the id \`${id}\``, hint);
    return undefined;
  }
  if (target >= index) {
    error(
      path,
      `\`${id}\` is ${target === index ? 'this step itself' : `a later step (steps[${target}])`}`,
      'an undo comes after the fault it undoes: move it below that step',
    );
    return undefined;
  }
  const step = doc.steps[target]!;
  const undoable = kindOf(step).undoable(step);
  if (undoable !== true) {
    error(
      path,
      `\`${id}\` is ${undoable}, not a fault`,
      `undo names a fault step, or a kubectl step with \`revert\`${earlierFaults.length > 0 ? `: ${earlierFaults.join(', ')}` : ''}; waits and sleeps end by themselves`,
    );
    return undefined;
  }
  const before = undoneBy.get(target);
  if (before !== undefined) {
    error(path, `\`${id}\` is undone already, by steps[${before}]`, 'remove one of the two undo steps');
    return undefined;
  }
  return target;
}
