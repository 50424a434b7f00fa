import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DOCS_FIX_COMMAND, runDocs } from '../../src/docs/command.js';
import {
  END_MARKER,
  extractSection,
  referenceRows,
  renderSpecReference,
  replaceSection,
  START_MARKER,
  type JsonSchema,
} from '../../src/docs/spec-reference.js';
import { KubelabError } from '../../src/errors.js';
import { packageRoot, schemaFile } from '../../src/paths.js';

const run = promisify(execFile);
const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli.js');
const readmeFile = path.join(packageRoot, 'README.md');

async function schema(): Promise<JsonSchema> {
  return JSON.parse(await fs.readFile(schemaFile, 'utf8')) as JsonSchema;
}

/**
 * Every key the schema allows, in the reference's notation (nodes[].roles), found by a walker of its
 * own so that a key the renderer skips cannot go unnoticed.
 */
function schemaPaths(root: JsonSchema): string[] {
  const paths: string[] = [];
  const deref = (s: JsonSchema): JsonSchema => {
    if (typeof s.$ref !== 'string') return s;
    const name = s.$ref.replace(/^#\/\$defs\//, '');
    const target = (root.$defs as Record<string, JsonSchema>)[name];
    assert.ok(target, `$ref ${s.$ref} resolves`);
    return { ...deref(target), ...s, $ref: undefined };
  };
  const visit = (raw: JsonSchema, prefix: string): void => {
    const s = deref(raw);
    for (const [key, child] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) {
      const p = prefix === '' ? key : `${prefix}.${key}`;
      paths.push(p);
      visit(child, p);
    }
    if (s.items && typeof s.items === 'object') visit(s.items as JsonSchema, `${prefix}[]`);
  };
  visit(root, '');
  return paths;
}

function setDescription(root: JsonSchema, keyPath: string[], description: string): JsonSchema {
  const copy = structuredClone(root);
  let node = copy;
  for (const key of keyPath) node = node[key] as JsonSchema;
  node.description = description;
  return copy;
}

describe('spec reference in README.md', () => {
  it('is up to date with the schema', async () => {
    const readme = await fs.readFile(readmeFile, 'utf8');
    const section = extractSection(readme);
    assert.ok(section !== undefined, `README.md has exactly one ${START_MARKER} … ${END_MARKER} section`);
    assert.equal(section, renderSpecReference(await schema()).trim(), `README.md's spec reference is stale: run \`${DOCS_FIX_COMMAND}\``);
    assert.equal(await runDocs({ check: true }), 'unchanged');
  });

  it('lists every property of the schema, once, with its description', async () => {
    const s = await schema();
    const expected = schemaPaths(s);
    assert.ok(expected.includes('provider.virtualbox.linkedClone'));
    assert.ok(expected.includes('nodes[].roles'));
    assert.ok(expected.includes('nodes[].taints[].effect'));
    const rows = referenceRows(s);
    assert.deepEqual(rows.map((r) => r.path).sort(), [...expected].sort());
    const table = renderSpecReference(s);
    for (const p of expected) assert.match(table, new RegExp(`^\\| \`${p.replace(/[.[\]]/g, '\\$&')}\` \\|`, 'm'), `${p} has a row`);
  });

  it('takes descriptions, defaults, enums and wording from the schema, following $ref', async () => {
    const rows = new Map(referenceRows(await schema()).map((r) => [r.path, r]));
    const linkedClone = rows.get('provider.virtualbox.linkedClone');
    assert.equal(linkedClone?.description, 'Clone machines from one base disk (faster, smaller).');
    assert.equal(linkedClone?.default, '`true`');
    assert.equal(rows.get('arch')?.type, 'one of `amd64`, `arm64`');
    assert.match(rows.get('nodes[].roles')?.type ?? '', /`etcd`, `controlplane`, `worker`/);
    assert.equal(rows.get('nodes')?.default, '**required**');
    // defaults.cpus: type and description from $defs/cpus, default from next to the $ref.
    assert.equal(rows.get('defaults.cpus')?.description, 'Virtual CPUs.');
    assert.equal(rows.get('defaults.cpus')?.default, '`2`');
    assert.match(rows.get('defaults.cpus')?.type ?? '', /^integer, 1 to 64$/);
    assert.match(rows.get('nodes[].memory')?.type ?? '', /"2Gi"/, 'x-expected wording of $defs/memory');
    assert.match(rows.get('network.cidr')?.type ?? '', /CIDR form/, 'x-expected wording instead of the pattern');
  });

  it('changes when a description in the schema changes, and --check notices', async () => {
    const s = await schema();
    const changed = setDescription(s, ['properties', 'provider', 'properties', 'virtualbox', 'properties', 'linkedClone'], 'Something else entirely.');
    assert.notEqual(renderSpecReference(changed), renderSpecReference(s));
    const viaDefs = setDescription(s, ['$defs', 'cpus'], 'Cores.');
    const cores = referenceRows(viaDefs)
      .filter((r) => r.description === 'Cores.')
      .map((r) => r.path);
    assert.deepEqual(cores, ['defaults.cpus', 'nodes[].cpus']);

    await assert.rejects(runDocs({ check: true, schema: changed }), (err: unknown) => {
      assert.ok(err instanceof KubelabError);
      assert.match(err.message, /spec reference/);
      assert.match(err.hint ?? '', new RegExp(DOCS_FIX_COMMAND));
      return true;
    });
  });

  it('rewrites only the section between the markers', async () => {
    const before = `# t\n\nintro\n\n${START_MARKER}\nold table\n${END_MARKER}\n\nafter\n`;
    const after = replaceSection(before, renderSpecReference(await schema()));
    assert.ok(after !== undefined);
    assert.ok(after.startsWith(`# t\n\nintro\n\n${START_MARKER}\n\n<!-- Generated`));
    assert.ok(after.endsWith(`|\n\n${END_MARKER}\n\nafter\n`));
    assert.equal(replaceSection(after, renderSpecReference(await schema())), after, 'rendering twice changes nothing');
    assert.equal(replaceSection('# no markers\n', 'x'), undefined);
    assert.equal(extractSection(`${START_MARKER}\n${END_MARKER}\n${START_MARKER}\n${END_MARKER}\n`), undefined);
  });

  it('`kubelab docs --check` exits non-zero on a stale README and names the fix; `kubelab docs` fixes it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelab-docs-'));
    try {
      const readme = path.join(dir, 'README.md');
      await fs.writeFile(readme, `# x\n\n${START_MARKER}\nstale\n${END_MARKER}\n`);
      const stale = await run(process.execPath, [cli, 'docs', '--check', '--readme', readme]).then(
        () => undefined,
        (err: { code?: number; stderr?: string }) => err,
      );
      assert.ok(stale, 'docs --check fails');
      assert.notEqual(stale.code, 0);
      assert.match(stale.stderr ?? '', /npm run docs/);
      assert.equal(await fs.readFile(readme, 'utf8'), `# x\n\n${START_MARKER}\nstale\n${END_MARKER}\n`, '--check writes nothing');

      await run(process.execPath, [cli, 'docs', '--readme', readme]);
      const { stdout } = await run(process.execPath, [cli, 'docs', '--check', '--readme', readme]);
      assert.match(stdout, /up to date/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
