import fs from 'node:fs/promises';
import path from 'node:path';
import { ScenarioError, SpecError, type SpecProblem } from '../errors.js';
import { parseSpec, type SourceSpec } from '../spec/load.js';
import { checkScenario } from './check.js';
import { validateScenarioSchema } from './schema.js';
import type { ScenarioDocument } from './types.js';

/** A scenario is a page or two of YAML; anything near this is a mistake, and parsing it would be slow. */
export const MAX_SCENARIO_BYTES = 256 * 1024;

/** A scenario that passed the schema and the checks after it, with where each of its values came from. */
export interface LoadedScenario {
  file: string;
  doc: ScenarioDocument;
  source: SourceSpec;
  /** Things that do not stop a run but are likely mistakes (a stopped node never started again). */
  warnings: SpecProblem[];
}

const EMPTY = {
  message: 'the scenario is empty',
  hint: 'start from a built-in scenario: `kubelab scenario list` names them, in the scenarios folder of kubelab',
};

/** Reads, parses, validates and checks a scenario file; every problem found is thrown together as a ScenarioError. */
export async function loadScenario(file: string): Promise<LoadedScenario> {
  return parseScenario(file, await readScenario(file));
}

/** The same for text already read; `file` is where messages say it came from. */
export function parseScenario(file: string, text: string): LoadedScenario {
  let source: SourceSpec;
  try {
    source = parseSpec(file, text, EMPTY);
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

async function readScenario(file: string): Promise<string> {
  try {
    // Refused before reading: the size, not the content, would make parsing slow.
    const { size } = await fs.stat(file);
    if (size > MAX_SCENARIO_BYTES) throw tooLarge(file, size);
    const text = await fs.readFile(file, 'utf8');
    if (Buffer.byteLength(text) > MAX_SCENARIO_BYTES) throw tooLarge(file, Buffer.byteLength(text)); // grew while read
    return text;
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const [message, hint] =
      code === 'ENOENT'
        ? [
            'cannot read the scenario: ENOENT, no such file',
            'a path is read from the current folder; `kubelab scenario list` names the built-in scenarios, which run by name',
          ]
        : code === 'EISDIR'
          ? ['cannot read the scenario: EISDIR, it is a folder', `name a file in it, such as ${path.join(file, 'NAME.yaml')}`]
          : [`cannot read the scenario: ${code ?? String(err)}`, 'check that the file is readable'];
    throw new ScenarioError([{ severity: 'error', file, path: '', message, hint }]);
  }
}

function tooLarge(file: string, size: number): ScenarioError {
  return new ScenarioError([
    {
      severity: 'error',
      file,
      path: '',
      message: `the scenario is ${size} bytes; kubelab reads scenarios of at most ${MAX_SCENARIO_BYTES} bytes (256 KiB)`,
      hint: 'a scenario is a page or two of YAML: is this the right file?',
    },
  ]);
}
