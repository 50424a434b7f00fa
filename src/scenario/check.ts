import type { Severity, SpecProblem } from '../errors.js';
import { problemAt, type YamlSource, type SourcePath } from '../input/source.js';
import { closest } from '../spec/validate.js';
import { parseDuration } from '../units.js';
import { nodeKeys, ownerOf, preconditionOwner } from './probes/index.js';
import { kindOf, type ErrorAt } from './steps.js';
import type { Bound, Condition, ScenarioDocument } from './types.js';

/**
 * What the schema cannot say about a scenario that passed it: references between steps, variables,
 * each fault kind's own options, and the order of things. Every problem is placed in the file.
 */
export function checkScenario(doc: ScenarioDocument, source: YamlSource): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const report = (severity: Severity, path: SourcePath, message: string, hint: string | undefined, on: 'key' | 'value' = 'value'): void => {
    problems.push(problemAt(source, severity, path, message, hint, on));
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
  const checkCondition = (condition: Condition, at: SourcePath): void => {
    const values: Record<string, unknown> = { ...condition };
    for (const key of nodeKeys(condition)) useVariables(String(values[key]), [...at, key]);
    const { conditions, key } = ownerOf(condition);
    if (conditions.needsWorkload) needsWorkload([...at, key], `\`${key}: ${String(values[key])}\``);
  };

  const undoneBy = new Map<number, number>();
  doc.steps.forEach((step, index) => {
    kindOf(step).check(step, { doc, index, at: ['steps', index], ids, undoneBy, error, useVariables, checkDuration, checkCondition });
  });

  // A step that leaves the lab broken (a fault that holds nodes down) and that nothing undoes leaves it broken after the run.
  doc.steps.forEach((step, i) => {
    if (undoneBy.has(i)) return;
    const kind = kindOf(step);
    const undo = step.id === undefined ? 'give this step an `id:` and add a later step `- undo: ID`' : `add a later step \`- undo: ${step.id}\``;
    const left = kind.neverUndone?.(step, undo);
    if (left) report('warning', ['steps', i, kind.key], left.message, left.hint);
  });

  for (const name of variables) {
    if (!used.has(name)) report('warning', ['nodes', name], `\`$${name}\` is never used`, 'use it in a step as `$' + name + '`, or remove it', 'key');
  }

  checkExpectations(doc, ids, error, checkDuration);
  (doc.expectations ?? []).forEach((expectation, i) => {
    if (expectation.longest) checkCondition(expectation.longest, ['expectations', i, 'longest']);
    if (expectation.span) checkCondition(expectation.span, ['expectations', i, 'span']);
    if (expectation.longest && expectation.span)
      error(['expectations', i, 'span'], 'an expectation measures `longest` or `span`, not both', 'split it into two expectations');
  });
  // Errors first, then warnings, each in the order of the file, as an editor lists them.
  const rank = (p: SpecProblem): number => (p.severity === 'error' ? 0 : 1);
  return problems.sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

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
  // A bound may be nothing at all: "atMost: 0s", it never happened.
  if (typeof bound === 'string') {
    if (!/^0+(\.0+)?(ms|s|m|h|d)$/.test(bound)) checkDuration(bound, at);
  } else {
    checkDuration(bound.plus, [...at, 'plus']);
    checkDuration(bound.minus, [...at, 'minus']);
  }
}

const plainMs = (bound: Bound | undefined): number | undefined => (typeof bound === 'string' ? parseDuration(bound) : undefined);
