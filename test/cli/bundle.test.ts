/**
 * `node dist/src/cli.js` is the CLI that src/build/bundle.ts bundled (npm run build), made from
 * the modules tsc compiled now, and it runs: a missing, failed or stale bundle fails here instead
 * of leaving the other tests to run an old CLI or tsc's slower one.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BUNDLE_DIR, BUNDLE_INPUTS_FILE, BUNDLE_STUB } from '../../src/build/bundle-layout.js';
import { kubelab } from '../support/cli.js';
import { cliPath, repoRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';

const bundleDir = path.join(path.dirname(cliPath), BUNDLE_DIR);
const rebuild = 'run `npm run build`';

test('dist/src/cli.js is the stub that runs the bundle', () => {
  assert.equal(fs.readFileSync(cliPath, 'utf8'), BUNDLE_STUB, `dist/src/cli.js is not the bundle's stub (tsc alone?): ${rebuild}`);
  assert.ok(fs.existsSync(path.join(bundleDir, 'cli.js')), `the bundle is missing: ${rebuild}`);
});

test('nothing the bundle was made from changed since it was made', () => {
  const inputs = JSON.parse(fs.readFileSync(path.join(bundleDir, BUNDLE_INPUTS_FILE), 'utf8')) as Record<string, string>;
  assert.ok(
    Object.keys(inputs).some((input) => input.endsWith('/yargs/index.mjs')),
    'yargs is bundled',
  );
  assert.ok(Object.keys(inputs).includes('dist/src/commands/generate.js'), "the commands' operations are bundled");
  const changed = Object.entries(inputs)
    .filter(([input, hash]) => {
      const file = path.join(repoRoot, input);
      return !fs.existsSync(file) || createHash('sha256').update(fs.readFileSync(file)).digest('hex') !== hash;
    })
    .map(([input]) => input);
  assert.deepEqual(changed, [], `the bundle is older than these files: ${rebuild}`);
});

test('every path the bundle computes from import.meta.url names a file that exists', () => {
  const computed: string[] = [];
  for (const file of fs.readdirSync(bundleDir).filter((f) => f.endsWith('.js'))) {
    const text = fs.readFileSync(path.join(bundleDir, file), 'utf8');
    const uses = text.match(/\bimport\.meta\.url\b/g)?.length ?? 0;
    const kept = [...text.matchAll(/new URL\(("[^"]+"), import\.meta\.url\)\.href/g)].map((m) => JSON.parse(m[1]!) as string);
    assert.equal(kept.length, uses, `${file}: every import.meta.url is rewritten to the module's own URL`);
    computed.push(...kept.map((relative) => fileURLToPath(new URL(relative, `file://${bundleDir}/`))));
  }
  assert.ok(
    computed.some((file) => file.endsWith(path.join('src', 'fault', 'timer.js'))),
    'the fault timer finds the CLI from its own place',
  );
  assert.deepEqual(
    computed.filter((file) => !fs.existsSync(file)),
    [],
  );
});

/** The commands a help text lists under Commands:, without their arguments: `snapshot save`. */
function listedCommands(help: string): string[] {
  const section = help.split('\n\n').find((block) => block.startsWith('Commands:\n')) ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('  kubelab '))
    .map((line) => {
      const words = line.trim().split(/ {2,}/)[0]!.split(' ').slice(1);
      const end = words.findIndex((word) => word.startsWith('<') || word.startsWith('['));
      return words.slice(0, end === -1 ? undefined : end).join(' ');
    });
}

test('every command and subcommand prints its help from the bundle', async () => {
  const dir = await tempDir('bundle');
  const seen: string[] = [];
  const queue = [''];
  while (queue.length > 0) {
    // A few at a time: each is a Node process.
    const batch = queue.splice(0, 4);
    const results = await Promise.all(
      batch.map(async (command) => ({ command, result: await kubelab(dir, [...command.split(' ').filter(Boolean), '--help']) })),
    );
    for (const { command, result } of results) {
      assert.equal(result.code, 0, `kubelab ${command} --help: ${result.stderr}`);
      assert.ok(result.stdout.startsWith(`kubelab ${command}`.trim()), `kubelab ${command} --help prints its usage:\n${result.stdout}`);
      seen.push(command);
      // kubectl hands --help to kubectl itself (below).
      queue.push(...listedCommands(result.stdout).filter((sub) => sub !== command && sub.startsWith(command) && sub !== 'kubectl'));
    }
  }
  for (const command of ['generate', 'validate', 'fault', 'fault stop', 'snapshot save', 'box build'])
    assert.ok(seen.includes(command), `${command} was reached`);
  const kubectl = await kubelab(dir, ['kubectl', '--help']);
  assert.equal(kubectl.code, 2, 'kubectl loads its operation, which asks for the spec');
  assert.match(kubectl.stderr, /cannot read the spec/);
});

test('--version finds kubelab’s package.json from any folder', async () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const result = await kubelab(await tempDir('bundle'), ['--version']);
  assert.equal(result.stdout.trim(), version);
});
