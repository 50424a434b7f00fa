import path from 'node:path';
import { renderAll } from '../../generators/index.js';
import { formatProblem, OutputDriftError } from '../errors.js';
import type { LabModel } from '../model.js';
import { DRIFT_EXPLANATION, findDrift } from '../output/drift.js';
import { writeOutput, type WriteResult } from '../output/write.js';
import { compileSpec } from '../spec/index.js';

export interface GenerateOptions {
  spec: string;
  out: string;
  force?: boolean;
  /** Where warnings and progress go; the CLI passes stderr. */
  log?: (line: string) => void;
}

/** spec → model → artifacts → output folder. Returns the model for commands that go on to run it. */
export async function generate(options: GenerateOptions): Promise<{ model: LabModel; result: WriteResult }> {
  const log = options.log ?? (() => {});
  const { model, warnings } = await compileSpec(options.spec, options.out);
  for (const w of warnings) log(formatProblem(w));
  const artifacts = await renderAll(model);
  const result = await writeOutput(options.out, model.specPath, artifacts, { force: options.force ?? false });
  return { model, result };
}

/** Fails when the output folder is not exactly what the spec generates. */
export async function checkGenerated(options: GenerateOptions): Promise<void> {
  const log = options.log ?? (() => {});
  const { model, warnings } = await compileSpec(options.spec, options.out);
  for (const w of warnings) log(formatProblem(w));
  const { drift } = await findDrift(options.out, await renderAll(model));
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
