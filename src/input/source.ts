import fs from 'node:fs/promises';
import { isMap, isNode, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { SpecError, type SpecProblem } from '../errors.js';

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

const EMPTY_SPEC = { message: 'the spec is empty', hint: 'start from the example kubelab.yaml in the kubelab repository' };

/**
 * Parses YAML (JSON is accepted as the YAML subset it is) and keeps positions for messages.
 * `empty` words the problem of a file with nothing in it, for files other than specs.
 */
export function parseYaml(file: string, text: string, empty: { message: string; hint: string } = EMPTY_SPEC): YamlSource {
  const lineCounter = new LineCounter();
  // The yaml package's own duplicate-key check compares each key with every other (a 1.6 MB spec
  // took 45 s); duplicateKeys does it in one pass.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const problems: SpecProblem[] = doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return {
      severity: 'error',
      file,
      line: pos.line,
      column: pos.col,
      path: '',
      message: `YAML syntax: ${firstLine(e.message)}`,
      hint: 'fix the YAML syntax first; indentation and unquoted colons are the usual causes',
    };
  });
  if (problems.length === 0) problems.push(...duplicateKeys(file, doc, lineCounter));
  if (problems.length > 0) throw new SpecError(problems);
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) {
    throw new SpecError([{ severity: 'error', file, path: '', ...empty }]);
  }
  return { file, data, locate: (path, what) => (what === 'key' && locateKey(doc, lineCounter, path)) || locate(doc, lineCounter, path) };
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
  const problem = (message: string, hint: string): SpecError => kind.fail([{ severity: 'error', file, path: '', message, hint }]);
  const tooLarge = (size: number): SpecError =>
    problem(`the ${kind.what} is ${size} bytes; kubelab reads ${kind.what}s of at most ${kind.maxBytes} bytes (${kind.maxText})`, kind.tooLargeHint);
  let text: string;
  try {
    // Refused before reading: the size, not the content, would make parsing slow.
    const { size } = await fs.stat(file);
    if (size > kind.maxBytes) throw tooLarge(size);
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof SpecError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw code === 'ENOENT'
      ? problem(`cannot read the ${kind.what}: ENOENT, no such file`, kind.missingHint)
      : code === 'EISDIR'
        ? problem(`cannot read the ${kind.what}: EISDIR, it is a folder`, kind.folderHint(file))
        : problem(`cannot read the ${kind.what}: ${code ?? String(err)}`, kind.unreadableHint);
  }
  if (Buffer.byteLength(text) > kind.maxBytes) throw tooLarge(Buffer.byteLength(text)); // grew while read
  return text;
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

/** Keys that appear twice in one mapping, placed on the second; linear in the size of the spec. */
function duplicateKeys(file: string, doc: Document, lineCounter: LineCounter): SpecProblem[] {
  const problems: SpecProblem[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key: unknown = isScalar(pair.key) ? pair.key.value : isNode(pair.key) ? String(pair.key) : pair.key;
        if (!seen.has(key)) {
          seen.add(key);
          continue;
        }
        const pos = isNode(pair.key) && pair.key.range ? lineCounter.linePos(pair.key.range[0]) : undefined;
        problems.push({
          severity: 'error',
          file,
          line: pos?.line,
          column: pos?.col,
          path: '',
          message: 'YAML syntax: Map keys must be unique',
          hint: `\`${String(key)}\` appears twice in one mapping: remove one, or merge the two into one entry`,
        });
      }
    },
  });
  return problems;
}
