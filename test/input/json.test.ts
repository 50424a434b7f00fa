/** The shapes kubelab's own JSON files must have when read back, and the readers that check them. */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { KubelabError } from '../../src/errors.js';
import { checkJson, MAX_JSON_DEPTH, parseJsonOutput, readJsonCache, readJsonFile } from '../../src/input/json.js';
import { anything, array, boolean, integer, literal, matching, nullable, number, object, optional, pid, record, string } from '../../src/input/shape.js';
import { tempDir } from '../support/tmp.js';

describe('shapes', () => {
  const service = object({ pid, name: string, port: integer, tls: optional(boolean), tags: array(string), owner: nullable(string) });
  const valid = { pid: 4242, name: 'registry', port: 5001, tags: [], owner: null, extra: 'kept' };

  test('a value of the shape passes, fields not named included', () => {
    assert.equal(service(valid, ''), undefined);
    assert.equal(service({ ...valid, tls: true }, ''), undefined);
  });

  test('each problem says where, what was expected, and what was there', () => {
    assert.equal(service([valid], ''), 'expected a mapping, got [{"pid":4242,"name":"registry","port"...');
    assert.equal(service({ ...valid, port: '5001' }, ''), 'port: expected an integer, got "5001"');
    assert.equal(service({ ...valid, name: undefined }, ''), 'name: expected a string, got nothing');
    assert.equal(service({ ...valid, tags: ['a', 7] }, ''), 'tags[1]: expected a string, got 7');
    assert.equal(service({ ...valid, tls: 'yes' }, ''), 'tls: expected true or false, got "yes"');
    assert.equal(array(service)([valid, { ...valid, owner: 3 }], ''), '[1].owner: expected a string, got 3');
    assert.equal(record(integer)({ a: 1, b: 1.5 }, 'ports'), 'ports.b: expected an integer, got 1.5');
    assert.equal(literal(1, 2)(3, 'version'), 'version: expected 1 or 2, got 3');
    assert.equal(matching(/^[a-z]+$/, 'a name')('A', 'name'), 'name: expected a name, got "A"');
    assert.equal(number(Number.POSITIVE_INFINITY, 'n'), 'n: expected a number, got null');
    assert.equal(anything(Symbol('x'), ''), undefined);
  });

  test('a field named __proto__ in the file is a field like any other', () => {
    const parsed: unknown = JSON.parse('{"__proto__": {"pid": 7}, "name": "x"}');
    assert.equal(object({ pid: optional(pid), name: string })(parsed, ''), undefined);
  });

  test('a pid kubelab may signal is above 1: 0, 1 and -1 name whole process groups', () => {
    for (const bad of [0, 1, -1, 1.5, '42']) assert.match(pid(bad, 'pid') ?? '', /^pid: expected a process id/);
    assert.equal(pid(2, 'pid'), undefined);
  });
});

describe('JSON readers', () => {
  const SHAPE = object({ name: string });
  const KIND = { maxBytes: 1024, shape: SHAPE, hint: 'remove it' };

  test('a missing file is undefined; a good one is its value', async () => {
    const dir = await tempDir('json');
    assert.equal(await readJsonFile(path.join(dir, 'none.json'), KIND), undefined);
    await fs.writeFile(path.join(dir, 'a.json'), '{"name": "a"}');
    assert.deepEqual(await readJsonFile(path.join(dir, 'a.json'), KIND), { name: 'a' });
  });

  test('a damaged file names itself, says what is wrong, and gives the hint', async () => {
    const dir = await tempDir('json');
    const file = path.join(dir, 'a.json');
    const cases: [string, string][] = [
      ['{"name": ', 'it is not JSON (Unexpected end of JSON input)'],
      ['{"name": 7}', 'name: expected a string, got 7'],
      [`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`, `it is nested more than ${MAX_JSON_DEPTH} levels deep`],
      ['x'.repeat(1025), 'it is 1025 bytes, more than the 1KiB kubelab reads of it'],
    ];
    for (const [text, why] of cases) {
      await fs.writeFile(file, text);
      await assert.rejects(readJsonFile(file, KIND), (error: unknown) => {
        assert.ok(error instanceof KubelabError);
        assert.equal(error.message, `${file} cannot be read: ${why}`);
        assert.equal(error.hint, 'remove it');
        return true;
      });
    }
    assert.equal('value' in checkJson(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`, array(anything)), true, 'the limit itself passes');
  });

  test('a cache that is damaged in any way is as if it were not there', async () => {
    const dir = await tempDir('json');
    const file = path.join(dir, 'memo.json');
    for (const text of ['{"name": ', '{"name": 7}', 'x'.repeat(2000)]) {
      await fs.writeFile(file, text);
      assert.equal(await readJsonCache(file, { maxBytes: 1024, shape: SHAPE }), undefined);
    }
    await fs.remove(file);
    await fs.mkdirp(file);
    assert.equal(await readJsonCache(file, { maxBytes: 1024, shape: SHAPE }), undefined);
  });

  test("a program's JSON output that is not what it prints is an error naming the program", () => {
    assert.deepEqual(parseJsonOutput('{"name": "a"}', 'docker inspect', { shape: SHAPE, hint: 'h' }), { name: 'a' });
    assert.throws(
      () => parseJsonOutput('Error: no such object', 'docker inspect of cp', { shape: SHAPE, hint: 'is docker the Docker CLI?' }),
      (error: unknown) =>
        error instanceof KubelabError &&
        /^docker inspect of cp printed what kubelab cannot read: it is not JSON/.test(error.message) &&
        error.hint === 'is docker the Docker CLI?',
    );
  });
});
