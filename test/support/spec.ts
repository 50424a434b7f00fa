import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { SpecError, type SpecProblem } from '../../src/errors.js';
import type { LabModel } from '../../src/model.js';
import { compileSpec } from '../../src/spec/index.js';
import { tempDir } from './tmp.js';

/** The smallest valid node list: one machine with every role. */
export const ONE_NODE = 'nodes:\n  - name: a\n    roles: [etcd, controlplane, worker]\n';

let dir: string | undefined;
let counter = 0;

/** Writes `text` to a new spec file (named like `fileName`) in this test file's temp folder. */
export async function writeSpec(text: string, fileName = 'kubelab.yaml'): Promise<string> {
  dir ??= await tempDir('spec');
  const sub = path.join(dir, String(++counter));
  await fs.mkdirp(sub);
  const file = path.join(sub, fileName);
  await fs.writeFile(file, text);
  return file;
}

export interface Compiled {
  specFile: string;
  model: LabModel;
  warnings: SpecProblem[];
}

/** Compiles a spec given as text; the output folder is out/ beside it, as with the CLI's defaults. */
export async function compileText(text: string, fileName?: string): Promise<Compiled> {
  const specFile = await writeSpec(text, fileName);
  const { model, warnings } = await compileSpec(specFile, path.join(path.dirname(specFile), 'out'));
  return { specFile, model, warnings };
}

/** Compiles a spec that must be rejected, and returns every problem found in it. */
export async function rejectedText(text: string, fileName?: string): Promise<{ specFile: string; problems: SpecProblem[] }> {
  const specFile = await writeSpec(text, fileName);
  try {
    await compileSpec(specFile, path.join(path.dirname(specFile), 'out'));
  } catch (err) {
    if (err instanceof SpecError) return { specFile, problems: err.problems };
    throw err;
  }
  assert.fail(`the spec was accepted, but it should be rejected:\n${text}`);
}

export const errorsOf = (problems: SpecProblem[]): SpecProblem[] => problems.filter((p) => p.severity === 'error');
export const warningsOf = (problems: SpecProblem[]): SpecProblem[] => problems.filter((p) => p.severity === 'warning');

/** Problems reduced to what a user sees of each, for deepEqual with readable diffs. */
export function brief(problems: SpecProblem[]): string[] {
  return problems.map((p) => `${p.severity} ${p.line ?? '-'}:${p.column ?? '-'} ${p.path || '(file)'}: ${p.message}`);
}
