import fs from 'node:fs/promises';
import path from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { MAX_SPEC_BYTES } from './limits.js';
import { SpecError, type SpecProblem } from '../errors.js';

export type SpecPath = readonly (string | number)[];

/** A parsed spec file that can still say where each value came from. */
export interface SourceSpec {
  file: string;
  data: unknown;
  /**
   * Line and column of the value at `path`, or of its nearest ancestor that exists; with `key`,
   * of the key that names it (for problems with the key itself, such as an unknown key).
   */
  locate(path: SpecPath, what?: 'value' | 'key'): { line: number; column: number } | undefined;
}

/** nodes[2].memory — the form used in every message. */
export function formatPath(path: SpecPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

const EMPTY_SPEC = { message: 'the spec is empty', hint: 'start from the example kubelab.yaml in the kubelab repository' };

/**
 * Parses YAML (JSON is accepted as the YAML subset it is) and keeps positions for messages.
 * `empty` words the problem of a file with nothing in it, for files other than specs.
 */
export function parseSpec(file: string, text: string, empty: { message: string; hint: string } = EMPTY_SPEC): SourceSpec {
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

export async function loadSpec(file: string): Promise<SourceSpec> {
  let text: string;
  try {
    // Refused before reading: the size, not the content, would make parsing slow.
    const { size } = await fs.stat(file);
    if (size > MAX_SPEC_BYTES) throw tooLarge(file, size);
    text = await fs.readFile(file, 'utf8');
    if (Buffer.byteLength(text) > MAX_SPEC_BYTES) throw tooLarge(file, Buffer.byteLength(text)); // grew while read
  } catch (err) {
    if (err instanceof SpecError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const [message, hint] =
      code === 'ENOENT'
        ? [
            `cannot read the spec: ENOENT, no such file`,
            'run kubelab where your kubelab.yaml is, or pass it with --spec FILE; the README has an example to start from',
          ]
        : code === 'EISDIR'
          ? ['cannot read the spec: EISDIR, it is a folder', `pass the file in it: --spec ${path.join(file, 'kubelab.yaml')}`]
          : [`cannot read the spec: ${code ?? String(err)}`, 'check that the file is readable, or pass another with --spec FILE'];
    throw new SpecError([{ severity: 'error', file, path: '', message, hint }]);
  }
  return parseSpec(file, text);
}

function locate(doc: Document, lineCounter: LineCounter, path: SpecPath): { line: number; column: number } | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) {
      const pos = lineCounter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return undefined;
}

function locateKey(doc: Document, lineCounter: LineCounter, path: SpecPath): { line: number; column: number } | undefined {
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

function tooLarge(file: string, size: number): SpecError {
  return new SpecError([
    {
      severity: 'error',
      file,
      path: '',
      message: `the spec is ${size} bytes; kubelab reads specs of at most ${MAX_SPEC_BYTES} bytes (1 MiB)`,
      hint: 'a lab spec is a few kilobytes: use `count` for groups of nodes instead of listing each one',
    },
  ]);
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
