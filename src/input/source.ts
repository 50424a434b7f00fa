import { isCollection, isMap, isNode, isScalar, Lexer, LineCounter, parseDocument, Parser, visit, type Alias, type Document } from 'yaml';
import { SpecError, type Severity, type SpecProblem } from '../errors.js';
import { describeRefusal, InputFileError, readBoundedText, type Refusal } from './read.js';

export type SourcePath = readonly (string | number)[];

/** A parsed spec file that can still say where each value came from. */
export interface YamlSource {
  file: string;
  data: unknown;
  /**
   * Line and column of the value at `path`, or of its nearest ancestor that exists; with `key`,
   * of the key that names it (for problems with the key itself, such as an unknown key).
   */
  locate(path: SourcePath, what?: 'value' | 'key'): { line: number; column: number } | undefined;
}

/** nodes[2].memory — the form used in every message. */
export function formatPath(path: SourcePath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

/** A problem at `at` in the source (at the key that names it, with `on: 'key'`): how every check of a file reports one. */
export function problemAt(source: YamlSource, severity: Severity, at: SourcePath, message: string, hint?: string, on: 'key' | 'value' = 'value'): SpecProblem {
  const pos = source.locate(at, on);
  return { severity, file: source.file, line: pos?.line, column: pos?.column, path: formatPath(at), message, hint };
}

const EMPTY_SPEC = { message: 'the spec is empty', hint: 'start from the example kubelab.yaml in the kubelab repository' };

/**
 * Deeper than this, the yaml package's composer recurses past the stack (or, on a megabyte of
 * unclosed `[`, runs out of memory, which cannot be caught). A spec is six levels deep, a scenario
 * eight.
 */
export const MAX_YAML_DEPTH = 64;

// The core schema whatever the file's %YAML directive says, and no explicit YAML 1.1 tags (!!binary,
// !!timestamp, !!set, !!omap): values are plain JSON data, never a Buffer, Date, Set or Map the rest
// of kubelab does not expect. logLevel: the yaml package would print its warnings on stderr itself.
const PARSE_OPTIONS = { prettyErrors: false, uniqueKeys: false, schema: 'core', resolveKnownTags: false, logLevel: 'error' } as const;

/**
 * Parses YAML (JSON is accepted as the YAML subset it is) and keeps positions for messages.
 * `empty` words the problem of a file with nothing in it, for files other than specs. Every way
 * the parser can fail, or be made to work without end, is a located SpecError.
 */
export function parseYaml(file: string, text: string, empty: { message: string; hint: string } = EMPTY_SPEC): YamlSource {
  const lineCounter = new LineCounter();
  const problem = (message: string, hint: string, offset?: number): SpecProblem =>
    placed(file, message, hint, offset === undefined ? undefined : lineCounter.linePos(offset));
  const deep = tooDeep(text);
  if (deep !== undefined) {
    const hint = 'a kubelab file is a few levels deep: look for unclosed [ or { brackets, or indentation that runs away';
    throw new SpecError([placed(file, `YAML nested more than ${MAX_YAML_DEPTH} levels deep`, hint, deep)]);
  }
  let doc: Document;
  try {
    // The yaml package's own duplicate-key check compares each key with every other (a 1.6 MB spec
    // took 45 s); keyProblems does it in one pass.
    doc = parseDocument(text, { lineCounter, ...PARSE_OPTIONS });
  } catch (error) {
    throw new SpecError([problem(`YAML cannot be read: ${firstLine(String(error))}`, 'fix the YAML syntax first')]);
  }
  const problems: SpecProblem[] = doc.errors.map((e) =>
    problem(`YAML syntax: ${firstLine(e.message)}`, 'fix the YAML syntax first; indentation and unquoted colons are the usual causes', e.pos[0]),
  );
  if (problems.length === 0) problems.push(...keyProblems(file, doc, lineCounter));
  if (problems.length > 0) throw new SpecError(problems);
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    throw new SpecError([aliasProblem(doc, error, problem)]);
  }
  if (data === null || data === undefined) {
    throw new SpecError([{ severity: 'error', file, path: '', ...empty }]);
  }
  const source: YamlSource = {
    file,
    data,
    locate: (path, what) => (what === 'key' && locateKey(doc, lineCounter, path)) || locate(doc, lineCounter, path),
  };
  const odd = notPlainData(data);
  if (odd) throw new SpecError([problemAt(source, 'error', odd.path, odd.message, odd.hint)]);
  return source;
}

function placed(file: string, message: string, hint: string, pos: { line: number; col: number } | undefined): SpecProblem {
  return { severity: 'error', file, line: pos?.line, column: pos?.col, path: '', message, hint };
}

/**
 * Where the text nests deeper than MAX_YAML_DEPTH, found by the yaml package's own lexer and CST
 * parser (neither recurses) before its composer (which does) sees the text.
 */
function tooDeep(text: string): { line: number; col: number } | undefined {
  const lines = new LineCounter();
  lines.addNewLine(0);
  const parser = new Parser(lines.addNewLine);
  for (const lexeme of new Lexer().lex(text)) {
    const offset = parser.offset;
    for (const _token of parser.next(lexeme)) {
      // documents: composed later by parseDocument
    }
    if (parser.stack.length > MAX_YAML_DEPTH) return lines.linePos(offset);
  }
  return undefined;
}

/**
 * Why toJS failed, at the alias it concerns: an alias that names no anchor before it, or aliases
 * that expand into more data than the yaml package allows (a "billion laughs" file).
 */
function aliasProblem(doc: Document, error: unknown, problem: (message: string, hint: string, offset?: number) => SpecProblem): SpecProblem {
  const message = firstLine(error instanceof Error ? error.message : String(error));
  const aliases: Alias[] = [];
  visit(doc, {
    Alias(_, alias) {
      aliases.push(alias);
    },
  });
  const unresolved = /^Unresolved alias.*: (.+)$/.exec(message)?.[1];
  const alias = aliases.find((a) => unresolved === undefined || a.source === unresolved);
  const offset = alias?.range?.[0];
  if (/resource exhaustion/.test(message)) {
    return problem(
      'YAML aliases here expand into more data than kubelab reads (a "billion laughs" file?)',
      'write the values out, or repeat an anchor (*name) fewer times',
      offset,
    );
  }
  if (unresolved !== undefined) return problem(`YAML syntax: ${message}`, 'define the anchor (&name) before the alias (*name) that uses it', offset);
  return problem(`YAML cannot be read: ${message}`, 'fix the YAML first', offset);
}

/**
 * The first value that JSON cannot hold and YAML can: an alias inside its own anchor (the value
 * never ends), and .inf or .nan. Walked without recursion, keeping each value's ancestors.
 */
function notPlainData(data: unknown): { path: SourcePath; message: string; hint: string } | undefined {
  const ancestors = new Set<object>();
  const pending: ({ value: unknown; path: SourcePath } | { leave: object })[] = [{ value: data, path: [] }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if ('leave' in next) {
      ancestors.delete(next.leave);
      continue;
    }
    const { value, path } = next;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return { path, message: `${String(value)} (YAML's .inf or .nan) is not a number kubelab can use`, hint: 'write a finite number' };
    }
    if (typeof value !== 'object' || value === null) continue;
    if (ancestors.has(value))
      return { path, message: 'a YAML alias inside its own anchor: the value never ends', hint: 'an alias (*name) cannot repeat a value it is part of' };
    ancestors.add(value);
    pending.push({ leave: value });
    for (const [key, child] of Object.entries(value)) pending.push({ value: child, path: [...path, Array.isArray(value) ? Number(key) : key] });
  }
  return undefined;
}

/**
 * How one kind of YAML file is read (a spec, a scenario): its size limit, and the words for each way
 * reading it fails, said in its own terms and thrown as its own kind of SpecError.
 */
export interface InputKind {
  /** "spec", "scenario": in "the spec is empty", "kubelab reads specs of at most …". */
  what: string;
  maxBytes: number;
  /** The limit as a person reads it: "1 MiB". */
  maxText: string;
  tooLargeHint: string;
  missingHint: string;
  folderHint: (file: string) => string;
  unreadableHint: string;
  fail: (problems: SpecProblem[]) => SpecError;
}

/** A file's text, refused when it is larger than its kind allows; every failure is one located problem. */
export async function readInputFile(file: string, kind: InputKind): Promise<string> {
  try {
    return await readBoundedText(file, kind.maxBytes);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    const { refusal } = error;
    const [message, hint] =
      refusal.reason === 'too-large'
        ? [
            `the ${kind.what} is ${refusal.bytes ?? `more than ${kind.maxBytes}`} bytes; kubelab reads ${kind.what}s of at most ${kind.maxBytes} bytes (${kind.maxText})`,
            kind.tooLargeHint,
          ]
        : [`cannot read the ${kind.what}: ${describeRefusal(refusal, kind.maxBytes)}`, refusalHint(kind, file, refusal)];
    throw kind.fail([{ severity: 'error', file, path: '', message, hint }]);
  }
}

function refusalHint(kind: InputKind, file: string, refusal: Refusal): string {
  switch (refusal.reason) {
    case 'missing':
      return kind.missingHint;
    case 'folder':
      return kind.folderHint(file);
    case 'not-a-file':
      return `kubelab reads a ${kind.what} from a regular file, which ends: save it to one and name that`;
    default:
      return kind.unreadableHint;
  }
}

function locate(doc: Document, lineCounter: LineCounter, path: SourcePath): { line: number; column: number } | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) {
      const pos = lineCounter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return undefined;
}

function locateKey(doc: Document, lineCounter: LineCounter, path: SourcePath): { line: number; column: number } | undefined {
  const parent: unknown = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === path[path.length - 1]);
  if (!pair || !isNode(pair.key) || !pair.key.range) return undefined;
  const pos = lineCounter.linePos(pair.key.range[0]);
  return { line: pos.line, column: pos.col };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/**
 * Keys that appear twice in one mapping, placed on the second; linear in the size of the file. And
 * keys that are lists or mappings: JSON has none, and the yaml package would print a warning and
 * make a string of them.
 */
function keyProblems(file: string, doc: Document, lineCounter: LineCounter): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const at = (node: unknown): { line?: number; column?: number } => {
    const pos = isNode(node) && node.range ? lineCounter.linePos(node.range[0]) : undefined;
    return { line: pos?.line, column: pos?.col };
  };
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (isCollection(pair.key)) {
          problems.push({
            severity: 'error',
            file,
            ...at(pair.key),
            path: '',
            message: 'YAML: a key is a list or a mapping',
            hint: 'keys are plain names; quote the key if the brackets are part of it',
          });
          continue;
        }
        const key: unknown = isScalar(pair.key) ? pair.key.value : isNode(pair.key) ? String(pair.key) : pair.key;
        if (!seen.has(key)) {
          seen.add(key);
          continue;
        }
        problems.push({
          severity: 'error',
          file,
          ...at(pair.key),
          path: '',
          message: 'YAML syntax: Map keys must be unique',
          hint: `\`${String(key)}\` appears twice in one mapping: remove one, or merge the two into one entry`,
        });
      }
    },
  });
  return problems;
}
