import assert from 'node:assert/strict';
import fs from 'fs-extra';
import { test } from 'node:test';
import { CNI } from '../src/cni.js';
import { FAMILIES, FAULT_KINDS, type AnyFamily } from '../src/fault/families/index.js';
import { scenarioSchemaFile, schemaFile } from '../src/paths.js';
import { PROVIDERS } from '../src/providers/index.js';
import { PRECONDITIONS } from '../src/scenario/probes/index.js';
import { scenarioSchema } from '../src/scenario/schema.js';
import { faultOptionNames } from '../src/scenario/steps.js';
import { SETTING_NAMES } from '../src/scenario/types.js';
import { ARCHES, CNI_PLUGINS, PROVIDER_TYPES, ROLES, SYNCED_FOLDERS, SYSTEM_IMAGES } from '../src/vocabulary.js';

/** Every `enum` list in the schema, wherever it sits. */
function enums(node: unknown, found: unknown[][] = []): unknown[][] {
  if (Array.isArray(node)) for (const item of node) enums(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'enum' && Array.isArray(value)) found.push(value);
      else enums(value, found);
    }
  }
  return found;
}

const VOCABULARY = { PROVIDER_TYPES, ROLES, CNI_PLUGINS, SYSTEM_IMAGES, ARCHES, SYNCED_FOLDERS } as const;

test("the vocabulary is the schema's: every enum made mostly of a list's words equals it", async () => {
  const schemaEnums = enums(await fs.readJson(schemaFile));
  for (const [name, words] of Object.entries(VOCABULARY)) {
    const related = schemaEnums.filter((e) => e.filter((v) => (words as readonly unknown[]).includes(v)).length * 2 > e.length);
    assert.ok(related.length > 0, `${name}: no enum in the schema uses these words`);
    for (const e of related) assert.deepEqual(e, [...words], `${name} and the schema's enum ${JSON.stringify(e)}`);
  }
});

test('every provider type and CNI plugin has its facts, under its own name', () => {
  assert.deepEqual(Object.keys(PROVIDERS).sort(), [...PROVIDER_TYPES].sort());
  for (const [type, facts] of Object.entries(PROVIDERS)) assert.equal(facts.type, type);
  assert.deepEqual(Object.keys(CNI).sort(), [...CNI_PLUGINS].sort());
});

type Schema = { [key: string]: Schema | undefined } & { enum?: unknown[]; pattern?: string };

test("the scenario schema's enums are kubelab's fault kinds, settings, preconditions and roles", async () => {
  const schema = scenarioSchema() as Schema;
  const defs = schema.$defs!;
  assert.deepEqual(defs.faultStep?.properties?.kind?.enum, [...FAULT_KINDS]);
  assert.deepEqual(defs.bound?.properties?.setting?.enum, [...SETTING_NAMES]);
  assert.deepEqual(schema.properties?.preconditions?.items?.enum, [...PRECONDITIONS]);
  assert.deepEqual(Object.keys(schema.properties?.needs?.properties ?? {}), [...ROLES]);
  assert.deepEqual(defs.nodePick?.properties?.role?.enum, [...ROLES]);
});

test("every fault kind's options fit the scenario schema, and the schema names no option no kind has", async () => {
  const faultStep = ((await fs.readJson(scenarioSchemaFile)) as Schema).$defs!.faultStep!;
  const namePattern = new RegExp(faultStep.propertyNames!.pattern!, 'u');
  const all = new Set(FAULT_KINDS.flatMap((kind) => faultOptionNames(kind)));
  for (const name of all) assert.match(name, namePattern, `option ${name}`);
  for (const name of Object.keys(faultStep.properties ?? {})) assert.ok(name === 'kind' || all.has(name), `the schema names ${name}`);
  const commands = (FAMILIES as readonly AnyFamily[]).flatMap((family) => family.commands.map((c) => c.kind));
  assert.deepEqual(commands, [...FAULT_KINDS], 'each kind has one command');
});
