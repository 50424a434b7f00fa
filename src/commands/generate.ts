import path from 'node:path';
import { renderAll } from '../../generators/index.js';
import { formatProblem, OutputDriftError } from '../errors.js';
import type { LabModel } from '../model.js';
import { DRIFT_EXPLANATION, findDrift } from '../output/drift.js';
import { writeOutput, type WriteResult } from '../output/write.js';
import { openLab } from './lab.js';

export interface GenerateOptions {
  spec: string;
  out: string;
  force?: boolean;
  /** Where warnings and progress go; the CLI passes stderr. */
  log?: (line: string) => void;
}

/**
 * spec → model → artifacts → output folder, holding the lab: what it rewrites is what a running
 * apply's vagrant reads.
 */
export async function generate(options: GenerateOptions): Promise<{ model: LabModel; result: WriteResult }> {
  const log = options.log ?? (() => {});
  return openLab({ spec: options.spec, out: options.out, changes: 'generate', retry: null, note: log }, async (lab) => {
    for (const w of lab.warnings) log(formatProblem(w));
    return { model: lab.model, result: await writeGenerated(lab.model, options.out, options.force ?? false) };
  });
}

/** Renders the model's files and writes them into the output folder (for a command that holds the lab); `out` as the user named it. */
export async function writeGenerated(model: LabModel, out: string, force: boolean): Promise<WriteResult> {
  return writeOutput(out, model.specPath, await renderAll(model), { force });
}

/** Fails when the output folder is not exactly what the spec generates. */
export async function checkGenerated(options: GenerateOptions): Promise<void> {
  const log = options.log ?? (() => {});
  const { drift } = await openLab({ spec: options.spec, out: options.out, note: log }, async (lab) => {
    for (const w of lab.warnings) log(formatProblem(w));
    return findDrift(options.out, await renderAll(lab.model));
  });
  if (drift.length > 0) {
    throw new OutputDriftError(
      `${path.relative(process.cwd(), path.resolve(options.out)) || '.'} is not what ${options.spec} generates:`,
      drift.map((d) => ({ path: d.path, reason: DRIFT_EXPLANATION[d.reason] })),
      drift.some((d) => d.reason === 'edited by hand')
        ? 'move hand edits into the spec, then run `kubelab generate --force`'
        : 'run `kubelab generate` and commit the result',
    );
  }
}
