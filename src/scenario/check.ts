import type { Severity, SpecProblem } from '../errors.js';
import { COMPONENTS } from '../fault/families/component.js';
import { kindCommand } from '../fault/families/index.js';
import { formatPath, type YamlSource, type SourcePath } from '../input/source.js';
import { closest } from '../spec/validate.js';
import { parseDuration } from '../units.js';
import { nodeKeys, ownerOf, preconditionOwner } from './probes/index.js';
import type { Bound, Condition, FaultStep, ScenarioDocument, StepSpec } from './types.js';

/** Fault values that name nodes, where `$variables` may stand; the schema gives them the selector pattern. */
const SELECTOR_OPTIONS = new Set(['node', 'nodes', 'from', 'to']);

/** Values that only take a known word, checked here so that a typo is caught before the run, not mid-way. */
const CHOICES: Readonly<Record<string, readonly string[]>> = { component: COMPONENTS };

/** Every option name a kind accepts in a scenario: its positional, its options, and `for`. */
export function faultOptionNames(kind: string): string[] {
  const info = kindCommand(kind);
  if (!info) return [];
  return [...(info.command.positional ? [info.command.positional.name] : []), ...Object.keys(info.command.options ?? {}), 'for'];
}

type StepAction = 'fault' | 'undo' | 'wait' | 'sleep' | 'kubectl';
const actionOf = (step: StepSpec): StepAction =>
  'fault' in step ? 'fault' : 'undo' in step ? 'undo' : 'wait' in step ? 'wait' : 'kubectl' in step ? 'kubectl' : 'sleep';

/**
 * What the schema cannot say about a scenario that passed it: references between steps, variables,
 * each fault kind's own options, and the order of things. Every problem is placed in the file.
 */
export function checkScenario(doc: ScenarioDocument, source: YamlSource): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const report = (severity: Severity, path: SourcePath, message: string, hint: string | undefined, on: 'key' | 'value' = 'value'): void => {
    const pos = source.locate(path, on);
    problems.push({ severity, file: source.file, line: pos?.line, column: pos?.column, path: formatPath(path), message, hint });
  };
  const error = (path: SourcePath, message: string, hint?: string, on?: 'key' | 'value'): void => report('error', path, message, hint, on);

  const ids = stepIds(doc, error);
  const variables = Object.keys(doc.nodes ?? {});
  const used = new Set<string>();
  const useVariables = (text: string, path: SourcePath): void => {
    for (const part of text.split(',')) {
      if (!part.startsWith('$')) continue;
      const name = part.slice(1);
      used.add(name);
      if (variables.includes(name)) continue;
      const guess = closest(name, variables);
      error(
        path,
        `\`$${name}\` is not defined`,
        guess
          ? `did you mean \`$${guess}\`?`
          : variables.length > 0
            ? `define it under \`nodes:\`, beside ${variables.join(', ')}`
            : `define it under \`nodes:\` at the top, such as \`nodes: {${name}: {role: worker}}\``,
      );
    }
  };
  const checkDuration = (text: string | undefined, path: SourcePath): void => {
    if (text !== undefined && parseDuration(text) === undefined)
      error(path, `${JSON.stringify(text)} is no time at all`, 'write a duration above zero, such as 1s');
  };
  const needsWorkload = (path: SourcePath, what: string): void => {
    if (!doc.workload) error(path, `${what} needs a workload, and the scenario has none`, 'add `workload: {replicas: 3}` at the top');
  };

  // A probe's conditions and preconditions may be about the workload (`workload: ready`).
  (doc.preconditions ?? []).forEach((p, i) => {
    if (preconditionOwner(p).conditions?.needsWorkload) needsWorkload(['preconditions', i], `\`${p}\``);
  });

  const undoneBy = new Map<number, number>();
  doc.steps.forEach((step, i) => {
    const at: SourcePath = ['steps', i];
    if ('fault' in step) checkFault(step.fault, [...at, 'fault'], error, useVariables, checkDuration);
    else if ('undo' in step) {
      const target = checkUndo(doc, step.undo, i, ids, undoneBy, [...at, 'undo'], error);
      if (target !== undefined) undoneBy.set(target, i);
    } else if ('wait' in step) {
      checkCondition(step.wait, [...at, 'wait'], useVariables, needsWorkload);
      checkDuration(step.timeout, [...at, 'timeout']);
    } else if ('sleep' in step) checkDuration(step.sleep, [...at, 'sleep']);
  });

  // A fault that holds nodes down and is never undone leaves the lab broken after the run.
  doc.steps.forEach((step, i) => {
    if (!('fault' in step) || step.fault.for !== undefined || undoneBy.has(i)) return;
    const info = kindCommand(step.fault.kind);
    if (!info?.family.holdsNodeDown) return;
    const undo = step.id === undefined ? 'give this step an `id:` and add a later step `- undo: ID`' : `add a later step \`- undo: ${step.id}\``;
    report(
      'warning',
      ['steps', i, 'fault'],
      `\`${step.fault.kind}\` keeps its nodes down after the scenario: no later step undoes it`,
      `${undo}, or \`for:\` to the fault`,
    );
  });

  for (const name of variables) {
    if (!used.has(name)) report('warning', ['nodes', name], `\`$${name}\` is never used`, 'use it in a step as `$' + name + '`, or remove it', 'key');
  }

  checkExpectations(doc, ids, error, checkDuration);
  // Errors first, then warnings, each in the order of the file, as an editor lists them.
  const rank = (p: SpecProblem): number => (p.severity === 'error' ? 0 : 1);
  return problems.sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

type ErrorAt = (path: SourcePath, message: string, hint?: string, on?: 'key' | 'value') => void;

/** Each id's step; a repeated id is an error on the repeat. */
function stepIds(doc: ScenarioDocument, error: ErrorAt): Map<string, number> {
  const ids = new Map<string, number>();
  doc.steps.forEach((step, i) => {
    if (step.id === undefined) return;
    const first = ids.get(step.id);
    if (first === undefined) ids.set(step.id, i);
    else
      error(
        ['steps', i, 'id'],
        `the id \`${step.id}\` is already that of steps[${first}]`,
        'give each step its own id: undo and expectations name steps by it',
      );
  });
  return ids;
}

function checkFault(
  fault: FaultStep,
  at: SourcePath,
  error: ErrorAt,
  useVariables: (text: string, path: SourcePath) => void,
  checkDuration: (text: string | undefined, path: SourcePath) => void,
): void {
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

/** The index of the fault step an undo names, when it names one it may undo. */
function checkUndo(
  doc: ScenarioDocument,
  id: string,
  index: number,
  ids: Map<string, number>,
  undoneBy: Map<number, number>,
  path: SourcePath,
  error: ErrorAt,
): number | undefined {
  const target = ids.get(id);
  const undoable = (step: StepSpec): boolean => actionOf(step) === 'fault' || ('kubectl' in step && step.revert !== undefined);
  const earlierFaults = [...ids].filter(([, i]) => i < index && undoable(doc.steps[i]!)).map(([name]) => name);
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
  const action = actionOf(doc.steps[target]!);
  if (!undoable(doc.steps[target]!)) {
    error(
      path,
      `\`${id}\` is a${action === 'undo' ? 'n' : ''} ${action} step${action === 'kubectl' ? ' without `revert`' : ''}, not a fault`,
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

/** The `$variables` in a condition's node references are defined; a condition about the workload needs one. */
function checkCondition(
  condition: Condition,
  at: SourcePath,
  useVariables: (text: string, path: SourcePath) => void,
  needsWorkload: (path: SourcePath, what: string) => void,
): void {
  const values: Record<string, unknown> = { ...condition };
  for (const key of nodeKeys(condition)) useVariables(String(values[key]), [...at, key]);
  const { conditions, key } = ownerOf(condition);
  if (conditions.needsWorkload) needsWorkload([...at, key], `\`${key}: ${String(values[key])}\``);
}

function checkExpectations(
  doc: ScenarioDocument,
  ids: Map<string, number>,
  error: ErrorAt,
  checkDuration: (text: string | undefined, path: SourcePath) => void,
): void {
  const names = new Map<string, number>();
  const known = [...ids.keys()];
  const find = (id: string, path: SourcePath): number | undefined => {
    const index = ids.get(id);
    if (index !== undefined) return index;
    const guess = closest(id, known);
    error(
      path,
      `no step has the id \`${id}\``,
      guess ? `did you mean \`${guess}\`?` : known.length > 0 ? `the step ids are ${known.join(', ')}` : 'give the steps to measure between an `id:` each',
    );
    return undefined;
  };
  (doc.expectations ?? []).forEach((expectation, i) => {
    const at: SourcePath = ['expectations', i];
    const first = names.get(expectation.name);
    if (first === undefined) names.set(expectation.name, i);
    else error([...at, 'name'], `expectations[${first}] has this name already`, 'give each expectation its own name: the report tells them apart by it');
    const from = find(expectation.from, [...at, 'from']);
    const to = find(expectation.to, [...at, 'to']);
    if (from !== undefined && to !== undefined && to <= from) {
      error(
        [...at, 'to'],
        `\`${expectation.to}\` (steps[${to}]) does not come after \`${expectation.from}\` (steps[${from}])`,
        'the time is measured from `from` to a later step `to`: swap them, or name another step',
      );
    }
    for (const which of ['atLeast', 'atMost'] as const) checkBound(expectation[which], [...at, which], checkDuration);
    const least = plainMs(expectation.atLeast);
    const most = plainMs(expectation.atMost);
    if (least !== undefined && most !== undefined && least > most) {
      error([...at, 'atLeast'], `atLeast ${String(expectation.atLeast)} is more than atMost ${String(expectation.atMost)}`, 'no time can meet both: swap them');
    }
  });
}

function checkBound(bound: Bound | undefined, at: SourcePath, checkDuration: (text: string | undefined, path: SourcePath) => void): void {
  if (bound === undefined) return;
  if (typeof bound === 'string') checkDuration(bound, at);
  else {
    checkDuration(bound.plus, [...at, 'plus']);
    checkDuration(bound.minus, [...at, 'minus']);
  }
}

const plainMs = (bound: Bound | undefined): number | undefined => (typeof bound === 'string' ? parseDuration(bound) : undefined);
