import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import fs from 'node:fs';
import type { SpecProblem } from '../errors.js';
import { scenarioSchemaFile } from '../paths.js';
import type { YamlSource } from '../input/source.js';
import { AJV_OPTIONS, SCHEMA_VOCABULARY } from '../spec/schema-options.js';
import { describeErrors } from '../spec/validate.js';
import type { Precondition, ScenarioDocument } from './types.js';

/** The preconditions a scenario may name; a test holds them equal to the schema's enum. */
export const PRECONDITIONS = ['nodes-ready', 'api-up', 'etcd-healthy', 'workload-ready', 'dns-works'] as const satisfies readonly Precondition[];
// Fails to compile when types.ts gains a precondition this list lacks.
const everyPrecondition: Exclude<Precondition, (typeof PRECONDITIONS)[number]> extends never ? true : never = true;
void everyPrecondition;

let compiled: ValidateFunction | undefined;

/**
 * Compiled when the first scenario is read, not at build time like the spec's: only scenario
 * commands pay for it, and a scenario run lasts minutes.
 */
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ ...AJV_OPTIONS });
  ajv.addVocabulary([...SCHEMA_VOCABULARY]);
  compiled = ajv.compile(JSON.parse(fs.readFileSync(scenarioSchemaFile, 'utf8')) as object);
  return compiled;
}

/** Checks a parsed scenario against schema/scenario.schema.json; the problems are worded and placed like the spec's. */
export function validateScenarioSchema(source: YamlSource): { doc: ScenarioDocument | undefined; problems: SpecProblem[] } {
  const validate = validator();
  const data: unknown = structuredClone(source.data);
  if (validate(data)) return { doc: data as ScenarioDocument, problems: [] };
  return { doc: undefined, problems: describeErrors(validate.errors ?? [], source) };
}
