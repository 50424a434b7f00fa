/**
 * YAML made to break the parser: aliases that expand without bound, nesting past the stack,
 * aliases inside their own anchor, types JSON does not have. Each is one located problem, found in
 * milliseconds, in a spec, a scenario and through the CLI; none is "unexpected error (a bug)".
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ScenarioError, SpecError } from '../../src/errors.js';
import { MAX_YAML_DEPTH, parseYaml } from '../../src/input/source.js';
import { parseScenario } from '../../src/scenario/load.js';
import { MAX_SPEC_BYTES } from '../../src/spec/limits.js';
import { kubelab } from '../support/cli.js';
import { aliasBomb, deepBlock } from '../support/hostile-files.js';
import { brief, rejectedText } from '../support/spec.js';
import { tempDir } from '../support/tmp.js';

/** Each hostile text, with the one problem it must give, as `brief` shows it. */
const HOSTILE: { name: string; text: string; problem: string; hint: RegExp }[] = [
  {
    name: 'a billion laughs: nine anchors of nine aliases each',
    text: aliasBomb(),
    problem: 'error 2:8 (file): YAML aliases here expand into more data than kubelab reads (a "billion laughs" file?)',
    hint: /fewer times/,
  },
  {
    name: 'an alias inside its own anchor: a value that never ends',
    text: 'name: lab\nnodes: &n\n  - name: a\n    more: *n\n',
    problem: 'error 4:11 nodes[0].more: a YAML alias inside its own anchor: the value never ends',
    hint: /cannot repeat a value it is part of/,
  },
  {
    name: 'an alias before its anchor',
    text: 'name: *lab\nother: &lab x\n',
    problem: 'error 1:7 (file): YAML syntax: Unresolved alias (the anchor must be set before the alias): lab',
    hint: /before the alias/,
  },
  {
    name: 'a megabyte of unclosed [ (the yaml package runs out of memory on it)',
    text: `nodes: ${'['.repeat(MAX_SPEC_BYTES - 100)}`,
    problem: `error 1:${7 + MAX_YAML_DEPTH - 1} (file): YAML nested more than ${MAX_YAML_DEPTH} levels deep`,
    hint: /unclosed \[/,
  },
  {
    name: 'mappings nested by flow',
    text: `a: ${'{b: '.repeat(100_000)}`,
    problem: `error 1:${4 + (MAX_YAML_DEPTH - 2) * 4} (file): YAML nested more than ${MAX_YAML_DEPTH} levels deep`,
    hint: /unclosed \[/,
  },
  {
    name: 'mappings nested by indentation (the composer overflows the stack at ~1,400 levels)',
    text: deepBlock(1_400),
    problem: `error ${MAX_YAML_DEPTH}:${MAX_YAML_DEPTH} (file): YAML nested more than ${MAX_YAML_DEPTH} levels deep`,
    hint: /indentation/,
  },
  {
    name: 'lists nested on one line',
    text: `${'- '.repeat(300_000)}x\n`,
    problem: `error 1:${2 * (MAX_YAML_DEPTH - 1) + 1} (file): YAML nested more than ${MAX_YAML_DEPTH} levels deep`,
    hint: /nested|brackets/,
  },
  {
    name: 'a list as a key (JSON has no such key; the yaml package would print a warning)',
    text: '? [a, b]\n: 1\n',
    problem: 'error 1:3 (file): YAML: a key is a list or a mapping',
    hint: /quote the key/,
  },
  {
    name: '.inf, which JSON cannot hold',
    text: 'defaults:\n  cpus: .inf\n',
    problem: "error 2:9 defaults.cpus: Infinity (YAML's .inf or .nan) is not a number kubelab can use",
    hint: /finite/,
  },
];

describe('hostile YAML: one located problem each, at once', () => {
  for (const bad of HOSTILE) {
    test(bad.name, () => {
      const started = Date.now();
      const error = (() => {
        try {
          parseYaml('kubelab.yaml', bad.text);
        } catch (e) {
          return e;
        }
        return assert.fail('parsed');
      })();
      assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
      assert.ok(error instanceof SpecError, String(error));
      assert.deepEqual(brief(error.problems), [bad.problem]);
      assert.match(error.problems[0]?.hint ?? '', bad.hint);
    });
  }

  test('the deepest nesting allowed still parses', () => {
    const depth = MAX_YAML_DEPTH - 2; // the document and the scalar take a level each
    assert.deepEqual(parseYaml('f.yaml', `${'['.repeat(depth)}1${']'.repeat(depth)}`).data, JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`));
  });

  test("YAML 1.1's types are plain strings: no Buffer, Date or Set reaches kubelab, whatever %YAML says", () => {
    const { data } = parseYaml('f.yaml', '%YAML 1.1\n---\nbin: !!binary aGVsbG8=\nwhen: !!timestamp 2001-12-14\nset: !!set {x, y}\nyes: yes\n');
    assert.deepEqual(data, { bin: 'aGVsbG8=', when: '2001-12-14', set: { x: null, y: null }, yes: 'yes' });
  });

  test('in a spec file: located in the file, exit status 2 through the CLI, no stack', async () => {
    const { specFile, problems } = await rejectedText(aliasBomb());
    assert.equal(problems[0]?.file, specFile);
    const dir = await tempDir('yaml');
    await fs.writeFile(path.join(dir, 'kubelab.yaml'), `nodes: ${'['.repeat(500_000)}`);
    const { code, stdout, stderr } = await kubelab(dir, ['validate']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^ {2}kubelab\.yaml:1:70: error: YAML nested more than 64 levels deep$/m);
    assert.doesNotMatch(stderr, /unexpected error|    at /);
  });

  test('in a scenario: a ScenarioError, located', () => {
    assert.throws(
      () => parseScenario('bomb.yaml', aliasBomb()),
      (error: unknown) => error instanceof ScenarioError && error.problems[0]?.line === 2 && /the scenario/.test(error.message),
    );
  });
});
