/** How the build step compiles the schema (src/build/schema-validator.ts). */
export const AJV_OPTIONS = {
  allErrors: true,
  useDefaults: true,
  // verbose gives each error its parentSchema, where our x-expected wording lives.
  verbose: true,
  strict: true,
  allowUnionTypes: true,
} as const;

/**
 * Keywords of our own in the schema, which ajv's strict mode must be told about: how a failed rule
 * is worded (x-expected), what to do about it (x-hint), and what to do about a value of the wrong
 * type when the usual advice would mislead (x-type-hint: a duration given as a bare number).
 */
export const SCHEMA_VOCABULARY = ['x-expected', 'x-hint', 'x-type-hint'] as const;

/** The compiled validator, written next to validate.js by the build (CommonJS: what ajv emits). */
export const VALIDATOR_FILE = 'schema-validator.cjs';
