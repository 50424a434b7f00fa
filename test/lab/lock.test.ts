/**
 * The lab lock with real processes: holders that live, die (SIGKILL) or are stopped, children
 * that outlive them in their own process groups, and pids that are reused.
 */
import assert from 'node:assert/strict';
import { execa, type ResultPromise } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { InterruptedError, runStreamed } from '../../src/exec/run.js';
import { childRunning, LAB_BUSY_EXIT_CODE, LabBusyError, labLockPath, withLabLock, type LabLockRecord } from '../../src/lab/lock.js';
import { processStartTicks, stillRunning } from '../../src/exec/processes.js';
import { kubelab } from '../support/cli.js';
import { repoRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';
import { deadPid } from '../support/processes.js';
import { pause, waitFor } from '../support/wait.js';

const started: number[] = [];
after(() => {
  // Whatever a failed test left running: each one's own process group, by its recorded id.
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** A detached shell loop in its own process group, as runStreamed starts children. */
function detachedLoop(script: string): ResultPromise {
  const child = execa('sh', ['-c', script], { detached: true, stdio: 'ignore', reject: false });
  started.push(child.pid!);
  return child;
}

/** Writes the lock a killed kubelab leaves: its (dead) pid, and the children it had started. */
async function leaveLock(outDir: string, holderPid: number, children: { pid: number; what: string }[]): Promise<void> {
  const record: LabLockRecord = {
    version: 1,
    pid: holderPid,
    startTicks: processStartTicks(holderPid),
    command: 'apply',
    startedAt: new Date(Date.now() - 5000).toISOString(),
    children: children.map((c) => ({
      pid: c.pid,
      startTicks: processStartTicks(c.pid),
      what: c.what,
      command: 'vagrant up x',
      startedAt: new Date().toISOString(),
    })),
  };
  await fs.mkdirp(path.dirname(labLockPath(outDir)));
  await fs.writeFile(labLockPath(outDir), JSON.stringify(record));
}

const holderScript = path.join(repoRoot, 'dist', 'test', 'support', 'lab-lock-holder.js');

/** The fixture runner holding `outDir`'s lock; resolves once its child runs. */
async function startHolder(outDir: string): Promise<{ holder: ResultPromise<{ reject: false; all: true }>; childPid: number }> {
  const holder = execa(process.execPath, [holderScript, outDir], { reject: false, all: true });
  started.push(holder.pid!);
  let seen = '';
  const childPid = await new Promise<number>((resolve, reject) => {
    holder.all.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /holding (\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    void holder.then(() => reject(new Error(`the holder ended early:\n${seen}`)));
  });
  started.push(childPid);
  return { holder, childPid };
}

describe('processes', () => {
  test('a process is named by its pid and start time: a reused pid is not the same process', async () => {
    const sleeper = execa('sleep', ['30'], { reject: false });
    try {
      const ticks = processStartTicks(sleeper.pid!);
      assert.ok(Number.isInteger(ticks));
      assert.ok(stillRunning({ pid: sleeper.pid!, startTicks: ticks }));
      assert.ok(!stillRunning({ pid: sleeper.pid!, startTicks: ticks! - 1 }), 'another start time: another process');
    } finally {
      sleeper.kill('SIGKILL');
      await sleeper;
    }
    assert.equal(processStartTicks(sleeper.pid!), undefined);
    assert.ok(!stillRunning({ pid: sleeper.pid! }));
  });

  test('a child counts as running while anything is left in its process group', async () => {
    // The leader ends at once; what it started in the background stays in its group.
    const leader = detachedLoop('sleep 30 & exit 0');
    await leader;
    assert.ok(!stillRunning({ pid: leader.pid! }), 'the leader is gone');
    assert.ok(childRunning({ pid: leader.pid! }), 'its group is not');
    process.kill(-leader.pid!, 'SIGKILL');
    await waitFor('the group to end', () => !childRunning({ pid: leader.pid! }));
  });
});

describe('lab lock', () => {
  test('a second command is refused at once while the first runs: exit code 7, its pid and command named', async () => {
    const outDir = await tempDir('lab-lock');
    await withLabLock(outDir, { command: 'apply', busy: 'fail', note: () => undefined }, async () => {
      await assert.rejects(
        withLabLock(outDir, { command: 'destroy', busy: 'fail', note: () => undefined, retry: 'kubelab destroy' }, async () => 'never'),
        (error: unknown) =>
          error instanceof LabBusyError &&
          error.exitCode === LAB_BUSY_EXIT_CODE &&
          error.message.startsWith(`the lab in ${outDir} is being changed by \`kubelab apply\` (pid ${process.pid}, started at `) &&
          /which is still running$/.test(error.message) &&
          /kubelab destroy --wait.*kubelab destroy --stop-previous/.test(error.hint ?? ''),
      );
    });
    assert.ok(!(await fs.pathExists(labLockPath(outDir))), 'released');
    assert.ok(!(await fs.pathExists(path.join(outDir, '.kubelab'))), 'an empty state folder goes with the lock');
  });

  test('commands take turns: with --wait the second starts when the first is done', async () => {
    const outDir = await tempDir('lab-lock');
    const order: string[] = [];
    const first = withLabLock(outDir, { command: 'apply', busy: 'fail', note: () => undefined }, async () => {
      order.push('first in');
      await pause(600);
      order.push('first out');
    });
    await waitFor('the first to hold the lock', () => order.length > 0);
    const notes: string[] = [];
    await withLabLock(outDir, { command: 'destroy', busy: 'wait', note: (l) => notes.push(l) }, async () => void order.push('second in'));
    await first;
    assert.deepEqual(order, ['first in', 'first out', 'second in']);
    assert.match(notes.join('\n'), /waiting for the previous `kubelab apply` \(pid \d+, started at .*\) to finish/);
  });

  test('a short command (a fault) waits for another short one instead of refusing', async () => {
    const outDir = await tempDir('lab-lock');
    const order: string[] = [];
    const shortOne = { waitsFor: (holder: LabLockRecord) => holder.command.startsWith('fault ') };
    const first = withLabLock(outDir, { command: 'fault undo (timer)', busy: 'fail', note: () => undefined }, async () => {
      order.push('timer');
      await pause(400);
    });
    await waitFor('the timer to hold the lock', () => order.length > 0);
    await withLabLock(outDir, { command: 'fault inject', busy: 'fail', note: () => undefined, ...shortOne }, async () => void order.push('inject'));
    await first;
    assert.deepEqual(order, ['timer', 'inject']);
    await withLabLock(outDir, { command: 'apply', busy: 'fail', note: () => undefined }, async () => {
      await assert.rejects(
        withLabLock(outDir, { command: 'fault inject', busy: 'fail', note: () => undefined, ...shortOne }, async () => 'never'),
        LabBusyError,
      );
    });
  });

  test('the lock of a killed run whose children are gone is taken over, with a note', async () => {
    const outDir = await tempDir('lab-lock');
    await leaveLock(outDir, await deadPid(), [{ pid: await deadPid(), what: 'vagrant up for node cp' }]);
    const notes: string[] = [];
    assert.equal(await withLabLock(outDir, { command: 'apply', busy: 'fail', note: (l) => notes.push(l) }, async () => 'ran'), 'ran');
    assert.match(notes.join('\n'), /a previous `kubelab apply` \(pid \d+, started at .*\) ended without releasing the lab \(it was killed\); taking over/);
  });

  test('a lock with an unreadable record is taken over', async () => {
    const outDir = await tempDir('lab-lock');
    await fs.mkdirp(path.join(outDir, '.kubelab'));
    await fs.writeFile(labLockPath(outDir), '{"pid": ');
    assert.equal(await withLabLock(outDir, { command: 'apply', busy: 'fail', note: () => undefined }, async () => 'ran'), 'ran');
  });

  test('a killed run whose children still run: refused with each child named; --wait waits for them; Ctrl-C ends the wait', async () => {
    const outDir = await tempDir('lab-lock');
    const child = detachedLoop('while :; do sleep 0.2; done');
    await leaveLock(outDir, await deadPid(), [{ pid: child.pid!, what: 'vagrant up for node cp' }]);
    await assert.rejects(
      withLabLock(outDir, { command: 'apply', busy: 'fail', note: () => undefined, retry: 'kubelab apply' }, async () => 'never'),
      (error: unknown) => {
        assert.ok(error instanceof LabBusyError);
        assert.match(
          error.message,
          /^a previous `kubelab apply` \(pid \d+, started at [0-9:]+, \d+s ago\) is still running: kubelab itself is gone \(killed\?\), but what it started is not:\n  its vagrant up for node cp \(pid (\d+),/,
        );
        assert.ok(error.message.includes(`(pid ${child.pid},`));
        assert.match(error.hint ?? '', /`kubelab apply --wait`.*`kubelab apply --stop-previous`/);
        return true;
      },
    );

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    await assert.rejects(
      withLabLock(outDir, { command: 'apply', busy: 'wait', note: () => undefined, signal: controller.signal }, async () => 'never'),
      InterruptedError,
    );
    assert.ok(childRunning({ pid: child.pid! }), 'an ended wait leaves the previous run alone');

    let killedAt = 0;
    setTimeout(() => {
      killedAt = Date.now();
      process.kill(-child.pid!, 'SIGKILL');
    }, 700);
    const notes: string[] = [];
    const ranAt = await withLabLock(outDir, { command: 'apply', busy: 'wait', note: (l) => notes.push(l) }, async () => Date.now());
    assert.ok(killedAt > 0 && ranAt >= killedAt, 'ran only after the child had ended');
    assert.match(notes[0] ?? '', /waiting for the previous `kubelab apply` .* \(kubelab itself is gone; waiting for\n  its vagrant up for node cp \(pid \d+/);
  });

  test('--stop-previous sends each child group one SIGINT, and SIGTERM only after the grace period', async () => {
    const outDir = await tempDir('lab-lock');
    const marks = path.join(outDir, 'marks');
    // One stops on SIGINT as Vagrant does; the other ignores it and ends on SIGTERM.
    const polite = detachedLoop(`trap 'echo polite:INT >> ${marks}; exit 0' INT; while :; do sleep 0.1; done`);
    const stubborn = detachedLoop(`trap 'echo stubborn:INT >> ${marks}' INT; trap 'echo stubborn:TERM >> ${marks}; exit 0' TERM; while :; do sleep 0.1; done`);
    await pause(300);
    await leaveLock(outDir, await deadPid(), [
      { pid: polite.pid!, what: 'vagrant up for node cp' },
      { pid: stubborn.pid!, what: 'vagrant up for node worker-1' },
    ]);
    const notes: string[] = [];
    const began = Date.now();
    assert.equal(await withLabLock(outDir, { command: 'apply', busy: 'stop-previous', graceMs: 1500, note: (l) => notes.push(l) }, async () => 'ran'), 'ran');
    assert.ok(Date.now() - began >= 1500, 'the grace period was given');
    assert.deepEqual((await fs.readFile(marks, 'utf8')).trim().split('\n').sort(), ['polite:INT', 'stubborn:INT', 'stubborn:TERM']);
    assert.ok(!childRunning({ pid: polite.pid! }) && !childRunning({ pid: stubborn.pid! }));
    const said = notes.join('\n');
    assert.match(said, /stopping the previous run's vagrant up for node cp \(process group \d+\): SIGINT, as Ctrl-C would/);
    assert.match(said, /still running after 1\.5s: SIGTERM to its vagrant up for node worker-1/);
    assert.match(said, /the previous `kubelab apply` .* has stopped; going on/);
  });
});

describe('lab lock between processes', () => {
  test('the holder records its running child; SIGKILLed, it leaves the child running and named; --stop-previous ends it', async () => {
    const outDir = await tempDir('lab-lock');
    const { holder, childPid } = await startHolder(outDir);
    const record = (await fs.readJson(labLockPath(outDir))) as LabLockRecord;
    assert.equal(record.pid, holder.pid);
    assert.equal(record.command, 'test-hold');
    assert.deepEqual(
      record.children.map((c) => [c.pid, c.what]),
      [[childPid, 'ticker']],
    );

    holder.kill('SIGKILL');
    await holder;
    // Its output goes to the log, not to the dead kubelab: it neither stops nor dies of a broken pipe.
    const ticks = async (): Promise<number> => (await fs.readFile(path.join(outDir, 'ticker.log'), 'utf8')).split('tick').length;
    const before = await ticks();
    await pause(800);
    assert.ok((await ticks()) > before + 2, 'the child goes on after its kubelab is gone');

    const busy = await kubelab(outDir, ['destroy', '--out', outDir]);
    assert.equal(busy.code, LAB_BUSY_EXIT_CODE, busy.stderr);
    assert.match(
      busy.stderr,
      new RegExp(
        `a previous \`kubelab test-hold\` \\(pid ${holder.pid}, started at .*\\) is still running: kubelab itself is gone \\(killed\\?\\), but what it started is not:\\n  its ticker \\(pid ${childPid},`,
      ),
    );
    assert.match(busy.stderr, /hint: wait for it with `kubelab destroy --wait`, or stop it with `kubelab destroy --stop-previous`/);

    const stop = await kubelab(outDir, ['destroy', '--out', outDir, '--stop-previous']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stderr, /stopping the previous run's ticker \(process group \d+\): SIGINT/);
    assert.ok(!childRunning({ pid: childPid }));
    assert.match(await fs.readFile(path.join(outDir, 'ticker.log'), 'utf8'), /got SIGINT/);
    assert.ok(!(await fs.pathExists(path.join(outDir, '.kubelab'))), 'destroy removed the state folder and its lock');
  });

  test('SIGHUP ends a holder as Ctrl-C does: its child gets SIGINT, the lock is released', async () => {
    const outDir = await tempDir('lab-lock');
    const { holder, childPid } = await startHolder(outDir);
    holder.kill('SIGHUP');
    const result = await holder;
    assert.equal(result.exitCode, 130, result.all);
    assert.match(result.all, /SIGHUP received, interrupting as Ctrl-C would/);
    assert.ok(!childRunning({ pid: childPid }));
    assert.match(await fs.readFile(path.join(outDir, 'ticker.log'), 'utf8'), /got SIGINT/);
    assert.ok(!(await fs.pathExists(labLockPath(outDir))), 'released');
  });

  test('a live holder: --stop-previous interrupts it as Ctrl-C would, and it stops its own child', async () => {
    const outDir = await tempDir('lab-lock');
    const { holder, childPid } = await startHolder(outDir);
    const notes: string[] = [];
    assert.equal(await withLabLock(outDir, { command: 'apply', busy: 'stop-previous', note: (l) => notes.push(l) }, async () => 'ran'), 'ran');
    const result = await holder;
    assert.equal(result.exitCode, 130, result.all);
    assert.match(result.all, /interrupting: waiting for the running commands to stop cleanly/);
    assert.ok(!childRunning({ pid: childPid }));
    assert.match(notes.join('\n'), /stopping the previous `kubelab test-hold` \(pid \d+, .*\): SIGINT, as Ctrl-C would/);
  });

  test('runStreamed tells its hooks when the child starts and ends', async () => {
    const outDir = await tempDir('lab-lock');
    const events: string[] = [];
    await runStreamed('sh', ['-c', 'echo one; echo two >&2; printf three'], {
      cwd: outDir,
      logFile: path.join(outDir, 'x.log'),
      onSpawn: (pid) => events.push(`spawn ${pid > 0}`),
      onLine: (line) => events.push(line),
      onExit: () => events.push('exit'),
    });
    assert.deepEqual(events, ['spawn true', 'one', 'two', 'three', 'exit']);
    assert.equal(await fs.readFile(path.join(outDir, 'x.log'), 'utf8'), '$ sh -c echo one; echo two >&2; printf three\none\ntwo\nthree\n# exit 0\n');
  });

  test('generate is refused while another command changes the lab; generate --check reads without the lock', async () => {
    const dir = await tempDir('lab-lock');
    const outDir = path.join(dir, 'out');
    await fs.copy(path.join(repoRoot, 'kubelab.yaml'), path.join(dir, 'kubelab.yaml'));
    assert.equal((await kubelab(dir, ['generate'])).code, 0);
    const { holder } = await startHolder(outDir);
    try {
      const refused = await kubelab(dir, ['generate', '--force']);
      assert.equal(refused.code, LAB_BUSY_EXIT_CODE, refused.stderr);
      assert.ok(refused.stderr.includes(`is being changed by \`kubelab test-hold\` (pid ${holder.pid},`), refused.stderr);
      assert.match(refused.stderr, /hint: run this again once it has ended/);
      const check = await kubelab(dir, ['generate', '--check']);
      assert.equal(check.code, 0, check.stderr);
    } finally {
      holder.kill('SIGINT');
      await holder;
    }
    assert.equal((await kubelab(dir, ['generate'])).code, 0);
    assert.ok(!(await fs.pathExists(path.join(outDir, '.kubelab'))), 'generate leaves no state folder behind');
  });

  test('--wait and --stop-previous exclude each other', async () => {
    const outDir = await tempDir('lab-lock');
    const result = await kubelab(outDir, ['destroy', '--out', outDir, '--wait', '--stop-previous']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--wait and --stop-previous exclude each other/);
  });
});
