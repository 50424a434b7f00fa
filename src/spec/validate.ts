import type { ErrorObject, ValidateFunction } from 'ajv';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { KubelabError, type SpecProblem } from '../errors.js';
import { schemaFile } from '../paths.js';
import { problemAt, type YamlSource } from '../input/source.js';
import { VALIDATOR_FILE } from './schema-options.js';
import type { SpecDocument } from './types.js';

type JsonSchema = Record<string, unknown>;

let compiled: ValidateFunction | undefined;

/** The validator the build compiled from the schema (src/build/schema-validator.ts). */
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const rebuild = { hint: 'run `npm run build`, which compiles the schema into the validator' };
  let loaded: ValidateFunction & { schemaHash?: string };
  try {
    loaded = createRequire(import.meta.url)(`./${VALIDATOR_FILE}`) as ValidateFunction & { schemaHash?: string };
  } catch (error) {
    throw new KubelabError(`the compiled spec validator is missing (${VALIDATOR_FILE})`, { ...rebuild, cause: error });
  }
  const hash = createHash('sha256').update(fs.readFileSync(schemaFile)).digest('hex');
  if (loaded.schemaHash !== hash) throw new KubelabError(`the compiled spec validator is older than ${schemaFile}`, rebuild);
  compiled = loaded;
  return compiled;
}

/**
 * Checks the spec against the JSON Schema and fills in its defaults (in place, on a copy).
 * Returns the problems, one per place in the spec, worded for a person.
 */
export function validateSchema(source: YamlSource): { spec: SpecDocument | undefined; problems: SpecProblem[] } {
  const validate = validator();
  const data = expandShortForms(structuredClone(source.data));
  if (validate(data)) return { spec: data as SpecDocument, problems: [] };
  return { spec: undefined, problems: describeErrors(validate.errors ?? [], source) };
}

/**
 * ajv's errors (from a validator compiled with AJV_OPTIONS: verbose, all errors) as problems
 * worded for a person and placed in `source`, one per place and message. Any schema can use it:
 * `x-expected`, `x-hint` and `x-type-hint` next to a keyword word its failure.
 */
export function describeErrors(errors: readonly ErrorObject[], source: YamlSource): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const seen = new Set<string>();
  for (const err of relevant(errors)) {
    const problem = describe(err, source);
    if (!problem) continue;
    const key = `${problem.path}\0${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

/**
 * A failed oneOf/anyOf also reports why each of its alternatives failed, which says more about the
 * schema than about the mistake: those are left out, the oneOf is said in its own words, and it is
 * left out too when a plainer problem at the same place (an unknown key) is its likely cause.
 */
function relevant(errors: readonly ErrorObject[]): ErrorObject[] {
  const choices = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  if (choices.length === 0) return [...errors];
  const within = (e: ErrorObject, c: ErrorObject): boolean => e.instancePath === c.instancePath || e.instancePath.startsWith(`${c.instancePath}/`);
  const inBranch = (e: ErrorObject): boolean => choices.some((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`) && within(e, c));
  const kept = errors.filter((e) => !inBranch(e));
  return kept.filter((e) => !choices.includes(e) || !kept.some((other) => !choices.includes(other) && within(other, e)));
}

/**
 * Short forms people type first, rewritten to the full form before validation (the schema admits
 * them too, for editors): `provider: docker` is `provider: {type: docker}`.
 */
function expandShortForms(data: unknown): unknown {
  if (isRecord(data) && typeof data.provider === 'string') data.provider = { type: data.provider };
  return data;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
}

function describe(err: ErrorObject, source: YamlSource): SpecProblem | undefined {
  const path = pointerToPath(err.instancePath);
  const parent = err.parentSchema as JsonSchema | undefined;
  const expected = typeof parent?.['x-expected'] === 'string' ? parent['x-expected'] : undefined;
  const got = JSON.stringify(err.data);
  let message: string;
  let hint: string | undefined = typeof parent?.['x-hint'] === 'string' ? parent['x-hint'] : undefined;
  let at = path;
  // Problems with a key itself are placed on the key, not on the value after it.
  let onKey = false;
  switch (err.keyword) {
    case 'required': {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      message = `missing required key \`${missing}\``;
      const described = (parent?.properties as Record<string, JsonSchema> | undefined)?.[missing]?.description;
      hint = `add \`${missing}:\` here${typeof described === 'string' ? ` (${described.replace(/\.$/, '')})` : ''}`;
      break;
    }
    case 'additionalProperties': {
      const key = (err.params as { additionalProperty: string }).additionalProperty;
      at = [...path, key];
      onKey = true;
      message = `unknown key \`${key}\``;
      const known = Object.keys((parent?.properties as JsonSchema | undefined) ?? {});
      const guess = closest(key, known);
      hint = guess ? `did you mean \`${guess}\`?` : `allowed keys here: ${known.join(', ')}`;
      break;
    }
    case 'type': {
      const type = (err.params as { type: string | string[] }).type;
      message = `expected ${expected ?? typeWords(type)}, got ${got}`;
      hint = typeof parent?.['x-type-hint'] === 'string' ? parent['x-type-hint'] : typeHint(type, err.data, parent);
      break;
    }
    case 'enum': {
      const allowed = (err.params as { allowedValues: unknown[] }).allowedValues;
      message = `expected one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
      const guess = typeof err.data === 'string' ? closest(err.data, allowed.map(String)) : undefined;
      if (guess) hint = `did you mean "${guess}"?`;
      break;
    }
    case 'pattern':
    case 'format':
      message = `expected ${expected ?? `a value matching ${String((err.params as { pattern?: string }).pattern)}`}, got ${got}`;
      break;
    case 'propertyNames':
      return undefined; // reported by the nested pattern error on the key itself
    case 'oneOf':
    case 'anyOf':
      message = `expected ${expected ?? 'one of the forms allowed here'}, got ${got}`;
      break;
    case 'dependentRequired': {
      const { property, missingProperty } = err.params as { property: string; missingProperty: string };
      at = [...path, property];
      onKey = true;
      message = `\`${property}\` needs \`${missingProperty}\` beside it`;
      hint = `add \`${missingProperty}:\`, or remove \`${property}\``;
      break;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      // ajv's message is already worded as a rule: "must be >= 256".
      message = `${got} is out of range: ${err.message ?? `fails the \`${err.keyword}\` rule`}`;
      break;
    case 'minItems':
      message = `needs at least ${(err.params as { limit: number }).limit} item(s)`;
      break;
    case 'uniqueItems':
      message = `has duplicate items: ${got}`;
      break;
    case 'minLength':
      message = 'must not be empty';
      break;
    case 'maxLength':
    case 'maxItems':
    case 'maxProperties': {
      const limit = (err.params as { limit: number }).limit;
      const what = err.keyword === 'maxLength' ? 'characters' : err.keyword === 'maxItems' ? 'items' : 'keys';
      const size = err.keyword === 'maxLength' ? String(err.data).length : Array.isArray(err.data) ? err.data.length : Object.keys(err.data as object).length;
      message = `has ${size} ${what}; at most ${limit} are allowed here`;
      if (path.length === 1 && path[0] === 'nodes') hint = `a lab has at most ${limit} nodes: use \`count\` for groups, and fewer of them`;
      break;
    }
    default:
      message = err.message ?? `fails the \`${err.keyword}\` rule`;
  }
  if (err.keyword === 'pattern' && err.propertyName !== undefined) {
    at = [...path, err.propertyName];
    onKey = true;
    message = `key \`${err.propertyName}\`: ${message.replace(/, got .*$/, '')}`;
  }
  return problemAt(source, 'error', at, message, hint, onKey ? 'key' : 'value');
}

/** What to write instead, for the type mistakes people make: quotes around numbers, a value for a list. */
function typeHint(type: string | string[], data: unknown, parent: JsonSchema | undefined): string | undefined {
  const types = Array.isArray(type) ? type : [type];
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  if (types.includes('boolean')) return 'write true or false, without quotes';
  if (types.includes('integer') || types.includes('number')) {
    return typeof data === 'string' && /^-?[0-9]+$/.test(data.trim()) ? `write the number without quotes: ${data.trim()}` : 'write a whole number such as 2';
  }
  if (types.includes('array')) return `write a list: [${text}], or one \`- item\` per line`;
  if (types.includes('object')) {
    const keys = Object.keys((parent?.properties as JsonSchema | undefined) ?? {});
    return keys.length > 0
      ? `write a mapping, with any of these keys indented under it: ${keys.join(', ')}`
      : 'write a mapping of KEY: VALUE lines indented under it';
  }
  if (types.includes('string')) return `put the value in quotes: "${text}"`;
  return undefined;
}

function typeWords(type: string | string[]): string {
  const list = Array.isArray(type) ? type : [type];
  const words = list.map((t) => (t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : t === 'integer' ? 'an integer' : `a ${t}`));
  return words.join(' or ');
}

/** Levenshtein distance; small lists only (schema keys), so the quadratic cost does not matter. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
