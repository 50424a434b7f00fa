/**
 * The spec reference in README.md, rendered from the JSON Schema so that every key is described in
 * one place only (schema/kubelab.schema.json). Pure functions of the schema object: the tests render
 * from modified schemas to prove that a change would be noticed.
 */

export type JsonSchema = { [key: string]: unknown };

export const START_MARKER = '<!-- spec-reference:start -->';
export const END_MARKER = '<!-- spec-reference:end -->';

/** One key of the spec, as a row of the reference table. */
export interface ReferenceRow {
  /** Dotted path; `[]` stands for every item of a list: `nodes[].roles`. */
  path: string;
  /** Type and allowed values, in words. */
  type: string;
  /** The default in YAML-ish form, or a word when there is none. */
  default: string;
  description: string;
}

/** Every key of the spec, depth first, in the schema's own order. */
export function referenceRows(root: JsonSchema): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  walkProperties(root, resolve(root, root), '', rows, []);
  return rows;
}

/** The Markdown that goes between the markers (without them), ending with a newline. */
export function renderSpecReference(root: JsonSchema): string {
  const rows = referenceRows(root);
  const lines = [
    '<!-- Generated from schema/kubelab.schema.json by `npm run docs`; edit the schema, not this table. -->',
    '',
    '| Key | Type / allowed values | Default | Description |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| \`${r.path}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.description)} |`),
  ];
  return lines.join('\n') + '\n';
}

/** The text between the markers, or undefined when the document lacks them (or has them twice). */
export function extractSection(document: string): string | undefined {
  const start = document.indexOf(START_MARKER);
  const end = document.indexOf(END_MARKER);
  if (start < 0 || end < 0 || end < start) return undefined;
  if (document.indexOf(START_MARKER, start + 1) >= 0 || document.indexOf(END_MARKER, end + 1) >= 0) return undefined;
  return trimSection(document.slice(start + START_MARKER.length, end));
}

/** The document with the section between the markers replaced; undefined when the markers are missing. */
export function replaceSection(document: string, section: string): string | undefined {
  if (extractSection(document) === undefined) return undefined;
  const start = document.indexOf(START_MARKER) + START_MARKER.length;
  const end = document.indexOf(END_MARKER);
  return `${document.slice(0, start)}\n\n${trimSection(section)}\n\n${document.slice(end)}`;
}

/** Blank lines around the table are layout, not content. */
function trimSection(text: string): string {
  return text.replace(/^\s+/, '').replace(/\s+$/, '');
}

// ---------------------------------------------------------------------------------------------------

function walkProperties(root: JsonSchema, schema: JsonSchema, prefix: string, rows: ReferenceRow[], refs: string[]): void {
  const properties = asSchema(schema.properties);
  if (!properties) return;
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  for (const [key, raw] of Object.entries(properties)) {
    const own = asSchema(raw);
    if (!own) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const { schema: prop, refs: seen } = resolveWithTrail(root, own, refs);
    rows.push({
      path,
      type: describeType(root, prop, seen),
      default: describeDefault(prop, required.has(key)),
      description: typeof prop.description === 'string' ? prop.description : '',
    });
    walkChildren(root, prop, path, rows, seen);
  }
}

/** Sub-keys of a mapping, and of the mappings in a list (`nodes[].name`). */
function walkChildren(root: JsonSchema, schema: JsonSchema, path: string, rows: ReferenceRow[], refs: string[]): void {
  if (asSchema(schema.properties)) walkProperties(root, schema, path, rows, refs);
  const items = asSchema(schema.items);
  if (items) {
    const { schema: item, refs: seen } = resolveWithTrail(root, items, refs);
    walkChildren(root, item, `${path}[]`, rows, seen);
  }
}

/** Follows `$ref` (local JSON pointers only); keys next to the `$ref` win over the target's. */
function resolveWithTrail(root: JsonSchema, schema: JsonSchema, refs: string[]): { schema: JsonSchema; refs: string[] } {
  let current = schema;
  let trail = refs;
  while (typeof current.$ref === 'string') {
    const ref = current.$ref;
    if (trail.includes(ref)) throw new Error(`schema: $ref cycle through ${ref}`);
    const target = pointer(root, ref);
    const { $ref: _ignored, ...siblings } = current;
    current = { ...target, ...siblings };
    trail = [...trail, ref];
  }
  return { schema: current, refs: trail };
}

function resolve(root: JsonSchema, schema: JsonSchema): JsonSchema {
  return resolveWithTrail(root, schema, []).schema;
}

function pointer(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith('#')) throw new Error(`schema: only local $ref is supported, not ${ref}`);
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = asSchema(node)?.[part];
  }
  const target = asSchema(node);
  if (!target) throw new Error(`schema: $ref ${ref} points at nothing`);
  return target;
}

function asSchema(value: unknown): JsonSchema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : undefined;
}

/** "integer, 1 to 64"; "one of `kvm`, `qemu`"; "string — an IPv4 address such as 192.168.56.10". */
function describeType(root: JsonSchema, schema: JsonSchema, refs: string[]): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map(code).join(', ')}`;
  const types = typeList(schema);
  let text: string;
  if (types.length <= 1) {
    // One type: its constraints follow it.
    const word = types.length === 1 ? typeWord(root, types[0]!, schema, refs) : 'any value';
    const limits = constraints(schema, types).join(', ');
    // "list of `etcd`, `controlplane`, `worker`; at least 1 item": the limits must not read as values.
    text = limits === '' ? word : `${word}${word.includes(',') ? ';' : ','} ${limits}`;
  } else {
    // Several: each type with the constraints that apply to it, such as "integer (at least 256) or string".
    text = types
      .map((t) => {
        const own = constraints(schema, [t]);
        return own.length > 0 ? `${typeWord(root, t, schema, refs)} (${own.join(', ')})` : typeWord(root, t, schema, refs);
      })
      .join(' or ');
  }
  if (typeof schema['x-expected'] === 'string') text += ` — ${schema['x-expected']}`;
  return text;
}

function typeList(schema: JsonSchema): string[] {
  return Array.isArray(schema.type) ? schema.type.map(String) : typeof schema.type === 'string' ? [schema.type] : [];
}

function typeWord(root: JsonSchema, type: string, schema: JsonSchema, refs: string[]): string {
  switch (type) {
    case 'object': {
      if (asSchema(schema.properties)) return 'mapping';
      const values = asSchema(schema.additionalProperties);
      if (values) return `mapping of names to ${itemWord(root, values, refs)}`;
      return 'mapping';
    }
    case 'array': {
      const items = asSchema(schema.items);
      return items ? `list of ${itemWord(root, items, refs)}` : 'list';
    }
    default:
      return type;
  }
}

/** What a list item or a mapping value is, in a few words. */
function itemWord(root: JsonSchema, raw: JsonSchema, refs: string[]): string {
  const { schema } = resolveWithTrail(root, raw, refs);
  if (Array.isArray(schema.enum)) return schema.enum.map(code).join(', ');
  if (schema.type === 'object' && asSchema(schema.properties)) return 'mappings (keys below)';
  const plural =
    typeList(schema)
      .map((t) => (t === 'object' ? 'mappings' : t === 'array' ? 'lists' : `${t}s`))
      .join(' or ') || 'values';
  return schema.minLength === 1 ? `non-empty ${plural}` : plural;
}

const NUMERIC = new Set(['integer', 'number']);

/** The schema's limits in words, those that apply to the given types (all when none is given). */
function constraints(schema: JsonSchema, types: string[]): string[] {
  const applies = (kind: string): boolean => types.length === 0 || types.some((t) => (kind === 'number' ? NUMERIC.has(t) : t === kind));
  const out: string[] = [];
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  if (applies('number')) {
    if (min !== undefined && max !== undefined) out.push(`${min} to ${max}`);
    else if (min !== undefined) out.push(`at least ${min}`);
    else if (max !== undefined) out.push(`at most ${max}`);
  }
  if (applies('string')) {
    if (typeof schema.minLength === 'number' && schema.minLength > 0) {
      out.push(schema.minLength === 1 ? 'not empty' : `at least ${schema.minLength} characters`);
    }
    if (typeof schema.maxLength === 'number') out.push(`at most ${schema.maxLength} characters`);
    // A pattern without wording would only show a regular expression; say that there is a rule at least.
    if (typeof schema.pattern === 'string' && typeof schema['x-expected'] !== 'string') out.push(`matching \`${schema.pattern}\``);
  }
  if (applies('array')) {
    if (typeof schema.minItems === 'number' && schema.minItems > 0) out.push(`at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`);
    if (typeof schema.maxItems === 'number') out.push(`at most ${schema.maxItems} items`);
    if (schema.uniqueItems === true) out.push('no duplicates');
  }
  if (applies('object') && typeof schema.maxProperties === 'number') out.push(`at most ${schema.maxProperties} keys`);
  return out;
}

function describeDefault(schema: JsonSchema, required: boolean): string {
  if (required) return '**required**';
  if (!('default' in schema)) return '—';
  const value = schema.default;
  const isSection = asSchema(schema.properties) !== undefined;
  if (isSection && asSchema(value) && Object.keys(value as JsonSchema).length === 0) return 'see its keys';
  return code(value);
}

/** A value as it would be written in the YAML spec, in a code span. */
function code(value: unknown): string {
  const text = typeof value === 'string' ? (value === '' || /^\s|\s$/.test(value) ? JSON.stringify(value) : value) : JSON.stringify(value);
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** A table cell: no line breaks, no unescaped column separators. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}
