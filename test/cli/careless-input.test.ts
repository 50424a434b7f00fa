/**
 * What a new user types by mistake: an empty or repeated --spec or --out is a usage error (exit 2)
 * before anything is done, for every command that takes them.
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { EXIT } from '../../src/exit-codes.js';
import { generate } from '../../src/commands/generate.js';
import { kubelab } from '../support/cli.js';
import { fixturesDir } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';

const SPEC = fs.readFileSync(path.join(fixturesDir, 'cli-lab.yaml'), 'utf8');

async function lab(generated = true): Promise<string> {
  const dir = await tempDir('careless');
  await fs.writeFile(path.join(dir, 'kubelab.yaml'), SPEC);
  if (generated) await generate({ spec: path.join(dir, 'kubelab.yaml'), out: path.join(dir, 'out') });
  return dir;
}

/** Every command that takes --spec and --out, with what else it needs to get as far as its options. */
const LAB_COMMANDS: string[][] = [
  ['generate'],
  ['generate', '--check'],
  ['validate'],
  ['apply'],
  ['destroy'],
  ['status'],
  ['fault', 'list'],
  ['fault', 'freeze', 'cp'],
  ['fault', 'undo', 'f1'],
  ['scenario', 'run', 'worker-freeze'],
  ['registry', 'up'],
  ['registry', 'status'],
  ['snapshot', 'save', 'base'],
  ['snapshot', 'list'],
  ['kit', 'build'],
  ['kubectl'],
];

describe('an empty --spec or --out is refused by every command that takes them', { concurrency: 4 }, () => {
  for (const command of LAB_COMMANDS) {
    for (const [option, value] of [
      ['--out', ''],
      ['--spec', '  '],
    ] as const) {
      test(`kubelab ${command.join(' ')} ${option} ${JSON.stringify(value)}`, async () => {
        const dir = await lab(false);
        // kubectl takes its own options first; everything after the first other word is kubectl's.
        const args = command[0] === 'kubectl' ? ['kubectl', `${option}=${value}`, 'get', 'nodes'] : [...command, option, value];
        const { code, stdout, stderr } = await kubelab(dir, args);
        assert.equal(code, EXIT.badInput, stderr);
        assert.equal(stdout, '');
        assert.match(stderr, new RegExp(`^kubelab: ${option} is empty: give it a path, or leave the option out for its default$`, 'm'));
        assert.match(stderr, /^hint: run `kubelab --help` for usage$/m);
        assert.deepEqual(await fs.readdir(dir), ['kubelab.yaml'], 'nothing was done');
      });
    }
  }

  test('--out with no value is refused as empty, not taken for the default folder', async () => {
    const dir = await lab(false);
    const { code, stderr } = await kubelab(dir, ['generate', '--out']);
    assert.equal(code, EXIT.badInput);
    assert.match(stderr, /^kubelab: --out is empty/m);
    assert.deepEqual(await fs.readdir(dir), ['kubelab.yaml']);
  });

  test('--spec given twice is refused, not joined into one path', async () => {
    const dir = await lab(false);
    const { code, stderr } = await kubelab(dir, ['validate', '--spec', 'kubelab.yaml', '-s', 'other.yaml']);
    assert.equal(code, EXIT.badInput);
    assert.match(stderr, /^kubelab: --spec is given 2 times: give it once$/m);
  });

  test('the other path options are refused empty too: --readme, --rke, --images-dir, --sources', async () => {
    const dir = await lab(false);
    for (const args of [
      ['docs', '--readme', ''],
      ['apply', '--rke', ''],
      ['snapshot', 'save', 'base', '--rke', ' '],
      ['kit', 'build', '--images-dir', ''],
      ['kit', 'build', '--sources', ''],
    ]) {
      const { code, stderr } = await kubelab(dir, args);
      assert.equal(code, EXIT.badInput, args.join(' '));
      assert.match(stderr, new RegExp(`^kubelab: ${args.find((a) => a.startsWith('--'))} is empty`, 'm'), args.join(' '));
    }
  });

  test('the defaults still apply when the options are left out', async () => {
    const dir = await lab(false);
    const { code, stdout } = await kubelab(dir, ['generate']);
    assert.equal(code, 0);
    assert.match(stdout, /^out: 7 written, 0 unchanged$/m);
  });
});
