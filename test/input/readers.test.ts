/**
 * Every file kubelab reads, against every kind of hostile file: a FIFO (with and without a writer
 * that never stops), /dev/zero and /dev/urandom, a folder, a socket, a file one byte over the
 * reader's limit; JSON that is not JSON, of the wrong shape, or nested 10,000 deep; YAML that
 * expands without bound or nests past the stack. Each read must end at once, with an error that
 * kubelab words (a KubelabError, never a crash) naming the file and saying what to do, or, where
 * the file only saves work, as if it were not there.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { execa } from 'execa';
import { INPUT_READERS, type Outcome } from '../support/input-readers.js';
import { repoRoot } from '../support/paths.js';
import type { ProbeResult } from '../support/read-probe.js';
import { tempDir } from '../support/tmp.js';

const probe = path.join(repoRoot, 'dist', 'test', 'support', 'read-probe.js');

describe('every file kubelab reads, against hostile files', { concurrency: 2 }, () => {
  for (const reader of INPUT_READERS) {
    test(reader.name, { timeout: 90_000 }, async (t) => {
      const base = await tempDir('readers');
      // In a process of its own: a read that blocked for ever would hang this one.
      const child = await execa(process.execPath, [probe, reader.name, base, ...reader.kinds], { reject: false, timeout: 60_000, killSignal: 'SIGKILL' });
      assert.equal(child.exitCode, 0, `the probe failed:\n${child.stderr}`);
      const results = child.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ProbeResult);
      assert.deepEqual(
        results.map((r) => r.kind),
        [...reader.kinds],
        'every kind was tried',
      );
      for (const result of results) {
        await t.test(result.kind, async () => {
          const { outcome } = result;
          assert.ok(!('timedOut' in outcome), `the read of ${result.kind} did not end within 5 s`);
          assert.ok(result.ms < 3_000, `the read took ${result.ms} ms`);
          const wanted: Outcome = typeof reader.outcome === 'function' ? reader.outcome(result.kind) : reader.outcome;
          if (wanted.error) {
            assert.ok('error' in outcome, `accepted: ${JSON.stringify(outcome)}`);
            const { error } = outcome;
            assert.ok(error.kubelab, `not a KubelabError but ${error.name}: ${error.message}`);
            assert.ok(error.message.includes(result.file) || error.files.includes(result.file), `the file is not named: ${error.message}`);
            assert.doesNotMatch(error.message, /unexpected|Maximum call stack|ERR_|EPIPE/);
            assert.ok((error.hint ?? '') !== '' || error.message.includes('hint: '), `no hint: ${error.message}`);
          } else {
            assert.ok('value' in outcome, `refused: ${JSON.stringify(outcome)}`);
            assert.equal(await wanted.check(outcome.value === null ? undefined : outcome.value, result.dir), undefined);
          }
        });
      }
    });
  }
});
