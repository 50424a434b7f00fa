import path from 'node:path';
import { SpecError, type SpecProblem } from '../errors.js';
import type { LabModel } from '../model.js';
import { loadSpec } from './load.js';
import { normalize } from './normalize.js';
import { checkSemantics } from './semantic.js';
import { validateSchema } from './validate.js';

export interface CompiledSpec {
  model: LabModel;
  warnings: SpecProblem[];
}

/** load → validate → normalize → check; throws SpecError with every problem when any is an error. */
export async function compileSpec(specFile: string, outDir: string): Promise<CompiledSpec> {
  const source = await loadSpec(specFile);
  const { spec, problems } = validateSchema(source);
  if (!spec) throw new SpecError(problems);
  const normalized = normalize(spec, { source, specFile: path.resolve(specFile), outDir: path.resolve(outDir) });
  const all = [...normalized.problems, ...checkSemantics(spec, normalized.model, source)];
  const ordered = all.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  if (ordered.some((p) => p.severity === 'error')) throw new SpecError(ordered);
  return { model: normalized.model, warnings: ordered };
}
