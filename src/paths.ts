import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: compiled code runs from dist/src, sources from src; both sit two levels below. */
function findRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const parts = here.split(path.sep);
  const distAt = parts.lastIndexOf('dist');
  return distAt >= 0 ? parts.slice(0, distAt).join(path.sep) || path.sep : path.resolve(here, '..');
}

export const packageRoot = findRoot();
export const schemaFile = path.join(packageRoot, 'schema', 'kubelab.schema.json');
export const templatesDir = path.join(packageRoot, 'templates');
export const boxesDir = path.join(packageRoot, 'boxes');
export const kitDir = path.join(packageRoot, 'kit');
export const scenarioSchemaFile = path.join(packageRoot, 'schema', 'scenario.schema.json');
export const scenariosDir = path.join(packageRoot, 'scenarios');
