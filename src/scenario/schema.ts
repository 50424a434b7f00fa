import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import fs from 'node:fs';
import type { SpecProblem } from '../errors.js';
import { scenarioSchemaFile } from '../paths.js';
import type { YamlSource } from '../input/source.js';
import { AJV_OPTIONS, SCHEMA_VOCABULARY } from '../spec/schema-options.js';
import { describeErrors } from '../spec/validate.js';
import { FAULT_KINDS } from '../fault/families/index.js';
import { PRECONDITIONS, PROBES, preconditionOwner } from './probes/index.js';
import type { ConditionForm, JsonSchema } from './probes/probe.js';
import type { ScenarioDocument } from './types.js';

type JsonObject = Record<string, unknown>;

/**
 * The scenario schema: schema/scenario.schema.json with the probes' part filled in — the forms of
 * a condition (`$defs.condition`: its properties, oneOf and hint) and the preconditions (their enum,
 * how many, and their description) — and the fault kinds, from the fault families. Assembled rather than written out in the file, so that a probe
 * is one module: its conditions, their schema and how they are judged sit together, and the schema
 * cannot admit a condition no probe judges. Nothing else reads the file (no scenario names it for an
 * editor); what `scenario validate` checks against is this.
 */
export function scenarioSchema(): JsonObject {
  const schema = JSON.parse(fs.readFileSync(scenarioSchemaFile, 'utf8')) as JsonObject;
  fill(schema, ['$defs', 'condition'], conditionSchema());
  fill(schema, ['properties', 'preconditions'], preconditionsSchema());
  fill(schema, ['$defs', 'faultStep', 'properties', 'kind'], { enum: [...FAULT_KINDS] });
  return schema;
}

/** Sets `part`'s keywords on the object at `path`, where the file says, in a $comment, that they are filled in. */
function fill(schema: JsonObject, path: readonly string[], part: JsonObject): void {
  let target: unknown = schema;
  for (const key of path) target = typeof target === 'object' && target !== null ? (target as JsonObject)[key] : undefined;
  if (typeof target !== 'object' || target === null) throw new Error(`${scenarioSchemaFile} has no ${path.join('.')} for the probes' part of the schema`);
  const object = target as JsonObject;
  delete object.$comment;
  Object.assign(object, part);
}

function conditionSchema(): JsonObject {
  const properties: Record<string, JsonSchema> = {};
  const forms: ConditionForm[] = [];
  for (const probe of PROBES) {
    const conditions = probe.conditions;
    if (!conditions) continue;
    // A key two probes share is NODE_KEY (src/scenario/probes/index.ts refuses any other): listed once, where it first comes.
    for (const [key, schema] of Object.entries(conditions.keys)) properties[key] ??= schema;
    forms.push(...conditions.forms);
  }
  return {
    properties,
    oneOf: forms.map((form) => ({
      required: Object.keys(form.keys).filter((key) => !form.optional?.includes(key)),
      properties: form.keys,
      additionalProperties: false,
    })),
    'x-hint': `write one of ${forms.map((form) => form.example).join(', ')}`,
  };
}

function preconditionsSchema(): JsonObject {
  const words = PRECONDITIONS.map((name) => (preconditionOwner(name).conditions?.needsWorkload ? `${name} (needs \`workload\`)` : name));
  return {
    maxItems: PRECONDITIONS.length,
    items: { description: `${words.slice(0, -1).join(', ')}, or ${words.at(-1)}.`, enum: [...PRECONDITIONS] },
  };
}

let compiled: ValidateFunction | undefined;

/**
 * Compiled when the first scenario is read, not at build time like the spec's: only scenario
 * commands pay for it, and a scenario run lasts minutes.
 */
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ ...AJV_OPTIONS });
  ajv.addVocabulary([...SCHEMA_VOCABULARY]);
  compiled = ajv.compile(scenarioSchema());
  return compiled;
}

/** Checks a parsed scenario against the scenario schema; the problems are worded and placed like the spec's. */
export function validateScenarioSchema(source: YamlSource): { doc: ScenarioDocument | undefined; problems: SpecProblem[] } {
  const validate = validator();
  const data: unknown = structuredClone(source.data);
  if (validate(data)) return { doc: data as ScenarioDocument, problems: [] };
  return { doc: undefined, problems: describeErrors(validate.errors ?? [], source) };
}
