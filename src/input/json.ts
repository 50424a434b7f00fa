import { KubelabError } from '../errors.js';
import { describeRefusal, InputFileError, isMissing, readBoundedText } from './read.js';
import type { Shape } from './shape.js';

/**
 * Deeper than this, JSON.stringify and structuredClone (which recurse) overflow the stack; kubelab's
 * own files are a handful of levels deep.
 */
export const MAX_JSON_DEPTH = 64;

/** How one kind of JSON file is read: its size limit, the shape the code relies on, and what to do when it is damaged. */
export interface JsonKind<T> {
  maxBytes: number;
  shape: Shape<T>;
  /** What a person does about a damaged file, said as the error's hint. */
  hint: string;
}

/** The value, or why the text is not one kubelab can work on. JSON.parse itself does not recurse. */
function parse(text: string): { value: unknown } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `it is not JSON (${(error as Error).message})` };
  }
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > MAX_JSON_DEPTH) return { problem: `it is nested more than ${MAX_JSON_DEPTH} levels deep` };
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return { value };
}

/** Why `text` is not a T, or the T: for JSON read some other way (one line of a JSON-lines file). */
export function checkJson<T>(text: string, shape: Shape<T>): { value: T } | { problem: string } {
  const parsed = parse(text);
  if ('problem' in parsed) return parsed;
  const problem = shape(parsed.value, '');
  return problem === undefined ? { value: parsed.value as T } : { problem };
}

/**
 * A JSON file kubelab wrote (state, a record, a lock), or undefined when there is none. Anything
 * else wrong with it (not a regular file, too large, not JSON, not of its shape) is an error that
 * names the file, says what is wrong and, in the hint, what to do.
 */
export async function readJsonFile<T>(file: string, kind: JsonKind<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readBoundedText(file, kind.maxBytes);
  } catch (error) {
    if (isMissing(error)) return undefined;
    if (error instanceof InputFileError) throw damaged(file, describeRefusal(error.refusal, kind.maxBytes), kind.hint);
    throw error;
  }
  const checked = checkJson(text, kind.shape);
  if ('problem' in checked) throw damaged(file, checked.problem, kind.hint);
  return checked.value;
}

/**
 * A file kubelab keeps only to save work (a cache, a memo): whatever is wrong with it, it is as if
 * it were not there, and is made again.
 */
export async function readJsonCache<T>(file: string, kind: Omit<JsonKind<T>, 'hint'>): Promise<T | undefined> {
  const text = await readBoundedText(file, kind.maxBytes).catch(() => undefined);
  if (text === undefined) return undefined;
  const checked = checkJson(text, kind.shape);
  return 'problem' in checked ? undefined : checked.value;
}

/** JSON a program printed (docker inspect, kubectl -o json); `what` names it: "docker inspect of node cp". */
export function parseJsonOutput<T>(text: string, what: string, kind: Omit<JsonKind<T>, 'maxBytes'>): T {
  const checked = checkJson(text, kind.shape);
  if ('problem' in checked) throw new KubelabError(`${what} printed what kubelab cannot read: ${checked.problem}`, { hint: kind.hint });
  return checked.value;
}

function damaged(file: string, why: string, hint: string): KubelabError {
  return new KubelabError(`${file} cannot be read: ${why}`, { hint });
}
