import path from 'node:path';
import { ScenarioError, SpecError, type SpecProblem } from '../errors.js';
import { parseYaml, readInputFile, type InputKind, type YamlSource } from '../input/source.js';
import { checkScenario } from './check.js';
import { validateScenarioSchema } from './schema.js';
import type { ScenarioDocument } from './types.js';

/** A scenario is a page or two of YAML; anything near this is a mistake, and parsing it would be slow. */
export const MAX_SCENARIO_BYTES = 256 * 1024;

/** A scenario that passed the schema and the checks after it, with where each of its values came from. */
export interface LoadedScenario {
  file: string;
  doc: ScenarioDocument;
  source: YamlSource;
  /** Things that do not stop a run but are likely mistakes (a stopped node never started again). */
  warnings: SpecProblem[];
}

const EMPTY = {
  message: 'the scenario is empty',
  hint: 'start from a built-in scenario: `kubelab scenario list` names them, in the scenarios folder of kubelab',
};

/** Reads, parses, validates and checks a scenario file; every problem found is thrown together as a ScenarioError. */
export async function loadScenario(file: string): Promise<LoadedScenario> {
  return parseScenario(file, await readInputFile(file, SCENARIO_KIND));
}

/** The same for text already read; `file` is where messages say it came from. */
export function parseScenario(file: string, text: string): LoadedScenario {
  let source: YamlSource;
  try {
    source = parseYaml(file, text, EMPTY);
  } catch (error) {
    if (error instanceof SpecError) throw new ScenarioError(error.problems);
    throw error;
  }
  const { doc, problems } = validateScenarioSchema(source);
  if (!doc) throw new ScenarioError(problems);
  const found = checkScenario(doc, source);
  if (found.some((p) => p.severity === 'error')) throw new ScenarioError(found);
  return { file, doc, source, warnings: found };
}

const SCENARIO_KIND: InputKind = {
  what: 'scenario',
  maxBytes: MAX_SCENARIO_BYTES,
  maxText: '256 KiB',
  tooLargeHint: 'a scenario is a page or two of YAML: is this the right file?',
  missingHint: 'a path is read from the current folder; `kubelab scenario list` names the built-in scenarios, which run by name',
  folderHint: (file) => `name a file in it, such as ${path.join(file, 'NAME.yaml')}`,
  unreadableHint: 'check that the file is readable',
  fail: (problems) => new ScenarioError(problems),
};
