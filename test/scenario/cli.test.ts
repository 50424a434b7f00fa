import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { EXIT } from '../../src/exit-codes.js';
import { builtinScenarioDir } from '../../src/scenario/catalogue.js';
import { kubelab } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const GOOD = 'name: mine\ntitle: Mine\ndescription: d\nsteps:\n  - id: stop\n    fault: {kind: stop, nodes: worker}\n';
const BAD = 'name: mine\ntitle: Mine\ndescription: d\nsteps:\n  - undo: nothing\n';

async function withFiles(): Promise<string> {
  const dir = await tempDir('scenario-cli');
  await fs.writeFile(path.join(dir, 'good.yaml'), GOOD);
  await fs.writeFile(path.join(dir, 'bad.yaml'), BAD);
  return dir;
}

describe('kubelab scenario', { concurrency: true }, () => {
  test('list shows every built-in scenario with its title', async () => {
    const { stdout, stderr, code } = await kubelab(await tempDir('scenario-cli'), ['scenario', 'list']);
    assert.equal(code, EXIT.ok, stderr);
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^NAME +TITLE$/);
    assert.ok(
      lines.some((l) => /^kube-apiserver-kill +kube-apiserver killed$/.test(l)),
      stdout,
    );
  });

  test('list --json gives name, title and file', async () => {
    const { stdout, code } = await kubelab(await tempDir('scenario-cli'), ['scenario', 'list', '--json']);
    assert.equal(code, EXIT.ok);
    const entries = JSON.parse(stdout) as { name: string; title: string; file: string; problem?: string }[];
    const entry = entries.find((e) => e.name === 'kube-apiserver-kill');
    assert.deepEqual(entry, {
      name: 'kube-apiserver-kill',
      title: 'kube-apiserver killed',
      file: path.join(builtinScenarioDir(), 'kube-apiserver-kill.yaml'),
    });
  });

  test('validate: a good file is ok, and its warnings go to stderr', async () => {
    const dir = await withFiles();
    const { stdout, stderr, code } = await kubelab(dir, ['scenario', 'validate', 'good.yaml']);
    assert.equal(code, EXIT.ok, stderr);
    assert.equal(stdout, 'good.yaml: ok, scenario mine with 1 step(s)');
    assert.match(stderr, /^good\.yaml:6:12: warning: steps\[0\]\.fault: `stop` keeps its nodes down after the scenario/m);
  });

  test('validate: a built-in scenario by its name', async () => {
    const { stdout, code } = await kubelab(await tempDir('scenario-cli'), ['scenario', 'validate', 'kube-apiserver-kill']);
    assert.equal(code, EXIT.ok);
    assert.match(stdout, /kube-apiserver-kill\.yaml: ok, scenario kube-apiserver-kill with 4 step\(s\)$/m);
  });

  test('validate: a bad file is bad input, with located problems', async () => {
    const dir = await withFiles();
    const { stdout, stderr, code } = await kubelab(dir, ['scenario', 'validate', 'bad.yaml']);
    assert.equal(code, EXIT.badInput);
    assert.equal(stdout, '');
    assert.match(stderr, /^kubelab: 1 problem in the scenario:\n {2}bad\.yaml:5:11: error: steps\[0\]\.undo: no step has the id `nothing`\n {4}hint: /);
  });

  test('validate: an unknown built-in name gets a guess', async () => {
    const { stderr, code } = await kubelab(await tempDir('scenario-cli'), ['scenario', 'validate', 'kube-apiserver-kil']);
    assert.equal(code, EXIT.badInput);
    assert.match(stderr, /^kubelab: no built-in scenario is called "kube-apiserver-kil"\nhint: did you mean kube-apiserver-kill\?/);
  });

  test('run reports the problems of a bad scenario before anything else', async () => {
    const dir = await withFiles();
    const { stderr, code } = await kubelab(dir, ['scenario', 'run', 'bad.yaml']);
    assert.equal(code, EXIT.badInput);
    assert.match(stderr, /bad\.yaml:5:11: error: steps\[0\]\.undo/);
  });

  test('no subcommand fails with a message', async () => {
    const { stderr, code } = await kubelab(await tempDir('scenario-cli'), ['scenario']);
    assert.equal(code, EXIT.badInput);
    assert.match(stderr, /Name a subcommand; `kubelab scenario --help` lists them\./);
  });
});
