/**
 * The one way kubelab reads a file: regular files only, never more than the limit (whatever the
 * file says its size is), never blocking on what it opens.
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { KubelabError } from '../../src/errors.js';
import { ifExists, InputFileError, readBounded, readBoundedText, readTail, type Refusal } from '../../src/input/read.js';
import { makeHostile } from '../support/hostile-files.js';
import { tempDir } from '../support/tmp.js';

async function refusal(read: Promise<unknown>): Promise<{ refusal: Refusal; message: string; hint: string | undefined }> {
  const error = await read.then(
    () => assert.fail('read'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof InputFileError, String(error));
  assert.ok(error instanceof KubelabError);
  return { refusal: error.refusal, message: error.message, hint: error.hint };
}

describe('readBounded', { timeout: 20_000 }, () => {
  test('a file of exactly the limit is read whole; one byte more is refused before it is read', async () => {
    const dir = await tempDir('read');
    const file = path.join(dir, 'f');
    await fs.writeFile(file, 'x'.repeat(100));
    assert.equal((await readBounded(file, 100)).length, 100);
    const { refusal: r, message } = await refusal(readBounded(file, 99));
    assert.deepEqual(r, { reason: 'too-large', bytes: 100 });
    assert.equal(message, `cannot read ${file}: it is 100 bytes, more than the 99B kubelab reads of it`);
  });

  test('a file larger than the first buffer is read whole', async () => {
    const dir = await tempDir('read');
    const file = path.join(dir, 'f');
    const content = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    await fs.writeFile(file, content);
    assert.ok((await readBounded(file, 1024 * 1024)).equals(content));
  });

  test('a /proc file says it is empty and holds more: it is read up to the limit, and refused beyond it', async () => {
    const text = await readBoundedText('/proc/self/status', 1024 * 1024);
    assert.match(text, /^Name:/);
    assert.ok((await fs.stat('/proc/self/status')).size === 0, 'the premise: /proc says 0 bytes');
    const { refusal: r, message } = await refusal(readBounded('/proc/self/status', 10));
    assert.deepEqual(r, { reason: 'too-large', bytes: undefined });
    assert.match(message, /it is larger than the 10B kubelab reads of it$/);
  });

  test('each thing that is not a regular file is refused at once, saying what it is', async () => {
    const dir = await tempDir('read');
    const cases = [
      ['fifo', { reason: 'not-a-file', what: 'a named pipe (FIFO)' }],
      ['endless-fifo', { reason: 'not-a-file', what: 'a named pipe (FIFO)' }],
      ['dev-zero', { reason: 'not-a-file', what: 'a character device (such as /dev/zero or a terminal)' }],
      ['dev-urandom', { reason: 'not-a-file', what: 'a character device (such as /dev/zero or a terminal)' }],
      ['socket', { reason: 'not-a-file', what: 'a socket' }],
      ['folder', { reason: 'folder' }],
    ] as const;
    for (const [kind, wanted] of cases) {
      const file = path.join(dir, kind);
      const undo = await makeHostile(kind, file, { maxBytes: 10 });
      const started = Date.now();
      const found = await refusal(readBounded(file, 1024));
      await undo();
      assert.deepEqual(found.refusal, wanted, kind);
      assert.ok(Date.now() - started < 1000, `${kind} took ${Date.now() - started} ms`);
      assert.ok(found.hint, kind);
    }
    // A terminal is a character device like /dev/null (a test has no terminal of its own to open).
    assert.equal((await refusal(readBounded('/dev/null', 10))).refusal.reason, 'not-a-file');
  });

  test('a missing file (or one under a file) is "missing"; ifExists makes it undefined, and nothing else', async () => {
    const dir = await tempDir('read');
    await fs.writeFile(path.join(dir, 'file'), 'x');
    assert.deepEqual((await refusal(readBounded(path.join(dir, 'none'), 10))).refusal, { reason: 'missing' });
    assert.deepEqual((await refusal(readBounded(path.join(dir, 'file', 'below'), 10))).refusal, { reason: 'missing' });
    assert.equal(await ifExists(readBounded(path.join(dir, 'none'), 10)), undefined);
    await assert.rejects(ifExists(readBounded(dir, 10)), InputFileError);
  });

  test('a file it may not read is "unreadable", with the code', { skip: process.getuid?.() === 0 && 'root reads everything' }, async () => {
    const dir = await tempDir('read');
    const file = path.join(dir, 'secret');
    await fs.writeFile(file, 'x', { mode: 0o000 });
    assert.deepEqual((await refusal(readBounded(file, 10))).refusal, { reason: 'unreadable', code: 'EACCES' });
  });
});

describe('readTail', () => {
  test('the end of a log that grew larger than what is wanted of it, and a short log whole', async () => {
    const dir = await tempDir('read');
    const file = path.join(dir, 'service.log');
    await fs.writeFile(file, `${'old line\n'.repeat(100_000)}panic: the last words\n`);
    const tail = await readTail(file, 1024);
    assert.equal(tail.length, 1024);
    assert.ok(tail.endsWith('panic: the last words\n'));
    await fs.writeFile(file, 'short\n');
    assert.equal(await readTail(file, 1024), 'short\n');
  });

  test('a FIFO in place of a log is refused, not waited for', { timeout: 5_000 }, async () => {
    const dir = await tempDir('read');
    const file = path.join(dir, 'service.log');
    await makeHostile('fifo', file, { maxBytes: 10 });
    assert.equal((await refusal(readTail(file, 1024))).refusal.reason, 'not-a-file');
  });
});
