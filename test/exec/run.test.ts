/** The one way kubelab starts programs: what a missing one says, and what a timeout does. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { capture, run, runStreamed, startDetached, ToolMissingError } from '../../src/exec/run.js';
import { howToInstall } from '../../src/exec/install-hints.js';
import { tempDir } from '../support/tmp.js';

const MISSING = 'kubelab-test-no-such-program';

describe('exec', () => {
  test('a program that is not installed is a ToolMissingError that says how to get it', async () => {
    await assert.rejects(
      () => run(MISSING, ['--version'], { purpose: 'test the exec module' }),
      (error: unknown) =>
        error instanceof ToolMissingError &&
        error.tool === MISSING &&
        error.message === `${MISSING} is not installed, and kubelab needs it to test the exec module` &&
        error.hint === `install ${MISSING}, or put it on PATH` &&
        error.exitCode === 4,
    );
  });

  test('streamed and detached programs say the same when missing', async () => {
    const dir = await tempDir('exec');
    await assert.rejects(() => runStreamed(MISSING, [], { cwd: dir, logFile: path.join(dir, 'log') }), ToolMissingError);
    await assert.rejects(() => startDetached(MISSING, [], { cwd: dir, logFile: path.join(dir, 'detached.log') }), ToolMissingError);
  });

  test('a query reports a missing program as an answer, not an error', async () => {
    const result = await capture(MISSING, []);
    assert.equal(result.ok, false);
    assert.equal(result.missing, true);
    assert.equal((await capture('true', [])).missing, false);
  });

  test('a missing working folder is not a missing program', async () => {
    const dir = await tempDir('exec');
    const result = await run('true', [], { cwd: path.join(dir, 'gone') });
    assert.equal(result.ok, false);
  });

  test('known programs name their Debian package', () => {
    assert.equal(howToInstall('ssh'), 'install the OpenSSH client (Debian: apt-get install openssh-client)');
    assert.match(howToInstall('/usr/bin/vagrant'), /^install Vagrant .*\(Debian: apt-get install vagrant; elsewhere: https:/);
    assert.match(howToInstall('docker'), /apt-get install docker\.io\) and start it/);
  });

  test('output, exit code, input and the timeout', async () => {
    const echoed = await run('bash', ['-c', 'cat; echo err >&2; exit 3'], { input: 'in\n' });
    assert.deepEqual([echoed.exitCode, echoed.ok, echoed.stdout, echoed.stderr], [3, false, 'in', 'err']);
    const slow = await run('sleep', ['5'], { timeoutMs: 200 });
    assert.equal(slow.timedOut, true);
    assert.equal(slow.exitCode, undefined);
  });
});
