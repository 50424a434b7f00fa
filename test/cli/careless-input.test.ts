/**
 * What a new user types by mistake, and what a pipe does to kubelab's output: an empty or repeated
 * --spec or --out is a usage error (exit 2) before anything is done, for every command that takes
 * them; a reader that goes away (`kubelab … | head -1`) ends kubelab quietly with 141, never with
 * "unexpected error (a bug)".
 */
import assert from 'node:assert/strict';
import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { EXIT } from '../../src/exit-codes.js';
import { generate } from '../../src/commands/generate.js';
import { kubelab } from '../support/cli.js';
import { cliPath, fixturesDir, repoRoot } from '../support/paths.js';
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
    assert.match(stdout, /^out: 8 written, 0 unchanged$/m);
  });
});

/** Runs kubelab with its stdout (or stderr) a pipe whose reader is gone before kubelab writes. */
async function withClosed(stream: 'stdout' | 'stderr', cwd: string, args: string[]): Promise<{ code: number | undefined; other: string }> {
  const child = execa(process.execPath, [cliPath, ...args], { cwd, reject: false, timeout: 30_000, env: { NO_COLOR: '1' } });
  child[stream].destroy();
  const result = await child;
  return { code: result.exitCode, other: String(stream === 'stdout' ? result.stderr : result.stdout) };
}

describe('a closed output ends kubelab quietly', { concurrency: 4 }, () => {
  for (const args of [
    ['generate', '--check'],
    ['generate'],
    ['validate'],
    ['fault', 'list'],
    ['scenario', 'list'],
    ['snapshot', 'list'],
    ['docs', '--check'],
  ]) {
    test(`kubelab ${args.join(' ')} | head -c0: exit status 141, nothing said`, async () => {
      const dir = await lab();
      const readme = args[0] === 'docs' ? ['--readme', path.join(repoRoot, 'README.md')] : [];
      const { code, other } = await withClosed('stdout', dir, [...args, ...readme]);
      assert.equal(code, EXIT.outputClosed, other);
      assert.equal(other, '');
    });
  }

  test('a closed stderr: the warnings cannot be said; kubelab ends with 141 all the same', async () => {
    const dir = await lab();
    // An even number of etcd nodes is a warning, printed on stderr before the verdict on stdout.
    await fs.writeFile(path.join(dir, 'kubelab.yaml'), SPEC.replace(/roles: \[etcd\]/, 'count: 2\n    roles: [etcd]'));
    const { code, other } = await withClosed('stderr', dir, ['validate']);
    assert.equal(code, EXIT.outputClosed);
    assert.doesNotMatch(other, /unexpected/);
  });

  test("a command's own failure keeps its status when the error cannot be printed", async () => {
    const dir = await lab(false);
    const { code } = await withClosed('stderr', dir, ['validate', '--spec', 'missing.yaml']);
    assert.equal(code, EXIT.badInput);
  });

  test('an interruptible command stops as on Ctrl-C, then ends with 141', async () => {
    const dir = await tempDir('careless');
    const marker = path.join(dir, 'marker');
    const child = execa(process.execPath, [path.join(repoRoot, 'dist', 'test', 'support', 'closed-output-runner.js'), marker], {
      reject: false,
      timeout: 30_000,
    });
    // Closed once the first line came: the reader read one line, and went away.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const result = await child;
    assert.equal(result.exitCode, EXIT.outputClosed, String(result.stderr));
    assert.equal(await fs.readFile(marker, 'utf8'), 'stopped cleanly');
    assert.equal(result.stderr, '');
  });
});
