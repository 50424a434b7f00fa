import fs from 'node:fs/promises';
import path from 'node:path';
import { KubelabError, SpecError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { scenariosDir } from '../paths.js';
import { closest } from '../spec/validate.js';
import { loadScenario, type LoadedScenario } from './load.js';

/** The scenarios that come with kubelab: scenarios/NAME.yaml in the package. */
export function builtinScenarioDir(): string {
  return scenariosDir;
}

export interface ScenarioEntry {
  name: string;
  title: string;
  file: string;
  /** Why the file cannot be used; the listing shows it rather than hiding the file. */
  problem?: string;
}

const SCENARIO_FILE = /\.ya?ml$/;

/** The scenario files in `dirs`, by name; a folder that does not exist holds none. */
async function scenarioFiles(dirs: readonly string[]): Promise<{ name: string; file: string }[]> {
  const found: { name: string; file: string }[] = [];
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = await fs.readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    for (const entry of entries.filter((e) => SCENARIO_FILE.test(e)).sort())
      found.push({ name: entry.replace(SCENARIO_FILE, ''), file: path.join(dir, entry) });
  }
  return found;
}

/** Every scenario in `dirs`, loaded; one that does not load (or whose name is not its file's) is listed with its problem. */
export async function listScenarios(dirs: readonly string[] = [builtinScenarioDir()]): Promise<ScenarioEntry[]> {
  const entries: ScenarioEntry[] = [];
  for (const { name, file } of await scenarioFiles(dirs)) {
    try {
      const { doc } = await loadScenario(file);
      const problem =
        doc.name === name ? undefined : `its name is ${doc.name}, but its file is named ${path.basename(file)}: \`scenario run\` finds it by the file`;
      entries.push({ name, title: doc.title, file, ...(problem ? { problem } : {}) });
    } catch (error) {
      if (!(error instanceof KubelabError)) throw error;
      entries.push({ name, title: '', file, problem: firstProblem(error) });
    }
  }
  return entries;
}

/** The first thing wrong, in a line: where and what, for a listing (`scenario validate` shows them all). */
function firstProblem(error: KubelabError): string {
  const first = error instanceof SpecError ? (error.problems.find((p) => p.severity === 'error') ?? error.problems[0]) : undefined;
  if (!first) return error.message.split('\n')[0] ?? error.message;
  const where = first.line === undefined ? '' : `line ${first.line}: `;
  return `${where}${first.path === '' ? '' : `${first.path}: `}${first.message}`;
}

/** True for what names a file rather than a built-in scenario. */
export const isScenarioPath = (nameOrFile: string): boolean => nameOrFile.includes('/') || nameOrFile.includes(path.sep) || SCENARIO_FILE.test(nameOrFile);

/** A scenario file (a path, or a name ending .yaml/.yml), or else a built-in scenario by its name. */
export async function findScenario(nameOrFile: string, dirs: readonly string[] = [builtinScenarioDir()]): Promise<LoadedScenario> {
  if (isScenarioPath(nameOrFile)) return loadScenario(nameOrFile);
  const files = await scenarioFiles(dirs);
  const match = files.find((f) => f.name === nameOrFile);
  if (match) return loadScenario(match.file);
  const names = files.map((f) => f.name);
  const guess = closest(nameOrFile, names);
  throw new KubelabError(`no built-in scenario is called ${JSON.stringify(nameOrFile)}`, {
    hint: guess
      ? `did you mean ${guess}? (\`kubelab scenario list\` names them all)`
      : names.length > 0
        ? `the built-in scenarios are ${names.join(', ')}; a scenario file of your own is named by its path (./my-scenario.yaml)`
        : 'kubelab has no built-in scenarios here; name a scenario file by its path (./my-scenario.yaml)',
    exitCode: EXIT.badInput,
  });
}
