import type { LabAccess } from '../lab/access.js';
import { FaultInputError } from './errors.js';
import type { CliOption, CliValues } from './family.js';
import { resolveSelector, resolveSelectors } from './selectors.js';

/** Reads a value with `parse`, or says what was expected. */
export function read<T>(parse: (text: string) => T | undefined, text: string, what: string, expected: string): T {
  const value = parse(text);
  if (value === undefined) throw new FaultInputError(`${what}: ${JSON.stringify(text)} is not ${expected}`);
  return value;
}

/** A value given as text (options and positionals of type string). */
export function textOf(values: CliValues, name: string): string {
  const value = values[name];
  return Array.isArray(value) ? value.join(' ') : String(value ?? '');
}

/** Several words (a variadic positional). */
export function wordsOf(values: CliValues, name: string): string[] {
  const value = values[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** --node, which most kinds done inside nodes take. */
export const NODE_OPTION: Readonly<Record<string, CliOption>> = {
  node: { alias: 'n', type: 'string', demand: true, describe: 'Where: nodes, roles or groups (SEL)' },
};

/** The nodes --node names, in the lab's order. */
export const nodesOption = (values: CliValues, lab: LabAccess): string[] => resolveSelector(lab.nodes, textOf(values, 'node'), '--node');

/** The nodes a variadic positional names, in the lab's order. */
export const nodesPositional = (values: CliValues, name: string, lab: LabAccess, what: string): string[] =>
  resolveSelectors(lab.nodes, wordsOf(values, name), what);
