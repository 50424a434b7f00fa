import path from 'node:path';
import { SpecError, type SpecProblem } from '../errors.js';
import { problemAt } from '../input/source.js';
import type { LabModel } from '../model.js';
import { MAX_NODES, countNodes } from './limits.js';
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
  if (!spec) throw new SpecError(problems.sort(byPlace));
  const total = countNodes(spec.nodes);
  if (total > MAX_NODES) {
    throw new SpecError([
      problemAt(
        source,
        'error',
        ['nodes'],
        `the spec asks for ${total} nodes; a lab has at most ${MAX_NODES}`,
        `lower the \`count\` of your groups so that the nodes add up to ${MAX_NODES} or fewer`,
      ),
    ]);
  }
  const normalized = normalize(spec, { source, specFile: path.resolve(specFile), outDir: path.resolve(outDir) });
  const all = [...normalized.problems, ...checkSemantics(spec, normalized.model, source)];
  // One bad value can be met once per node that uses it (defaults.memory): report it once.
  const unique = [...new Map(all.map((p) => [`${p.severity}\0${p.path}\0${p.message}`, p])).values()];
  const ordered = unique.sort(byPlace);
  if (ordered.some((p) => p.severity === 'error')) throw new SpecError(ordered);
  return { model: normalized.model, warnings: ordered };
}

/** File order, as an editor lists them; problems about the whole file first. */
function byPlace(a: SpecProblem, b: SpecProblem): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}
