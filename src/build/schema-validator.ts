/**
 * Build step (`npm run build`): compiles the spec's JSON Schema into a standalone validator module,
 * so that no command pays for ajv's compiler at start-up. The module records the hash of the schema
 * it came from; src/spec/validate.ts refuses a validator built from another schema.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { schemaFile } from '../paths.js';
import { AJV_OPTIONS, SCHEMA_VOCABULARY, VALIDATOR_FILE } from '../spec/schema-options.js';

const text = fs.readFileSync(schemaFile, 'utf8');
const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true } });
ajv.addVocabulary([...SCHEMA_VOCABULARY]);
const code = standaloneCode.default(ajv, ajv.compile(JSON.parse(text) as object));
const target = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'spec', VALIDATOR_FILE);
const hash = createHash('sha256').update(text).digest('hex');
const temporary = `${target}.${process.pid}.tmp`;
fs.writeFileSync(temporary, `${code}\nmodule.exports.schemaHash = ${JSON.stringify(hash)};\n`);
fs.renameSync(temporary, target);
