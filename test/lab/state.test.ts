/**
 * `kubelab fault`'s bookkeeping without machines: the lock, the state file, the journal, the timer,
 * and the command line's refusals of bad input, which must change nothing.
 */
import assert from 'node:assert/strict';
import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { KubelabError } from '../../src/errors.js';
import { readJournal, appendJournal, journalPath } from '../../src/lab/journal.js';
import { withLock } from '../../src/lab/lock-file.js';
import { processAlive } from '../../src/exec/processes.js';
import { emptyState, readState, statePath, updateState, writeState } from '../../src/lab/state.js';
import { startTimer, stopTimer } from '../../src/fault/timer.js';
import { kubelab } from '../support/cli.js';
import { threeNodeDockerSpec } from '../support/docker-lab.js';
import { record } from '../support/fault-fixtures.js';
import { tempDir } from '../support/tmp.js';
import { deadPid } from '../support/processes.js';
import { pause, waitFor } from '../support/wait.js';

describe('fault lock', () => {
  test('holders take turns: no two run at once', async () => {
    const dir = await tempDir('fault-lock');
    const file = path.join(dir, 'faults.lock');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        withLock(file, async () => {
          inside += 1;
          most = Math.max(most, inside);
          await pause(20);
          inside -= 1;
        }),
      ),
    );
    assert.equal(most, 1);
    assert.ok(!(await fs.pathExists(file)), 'released');
  });

  test('a lock whose process is gone is stale and taken over', async () => {
    const dir = await tempDir('fault-lock');
    const file = path.join(dir, 'faults.lock');
    await fs.writeFile(file, `${await deadPid()}\n`);
    assert.equal(await withLock(file, async () => 'got it', { waitMs: 1000 }), 'got it');
  });

  test('a live holder is waited for, then named in the error', async () => {
    const dir = await tempDir('fault-lock');
    const file = path.join(dir, 'faults.lock');
    const holder = execa('sleep', ['30'], { reject: false });
    try {
      await fs.writeFile(file, `${holder.pid}\n`);
      await assert.rejects(
        withLock(file, async () => 'never', { waitMs: 300, what: 'the fault state' }),
        (error: unknown) => error instanceof KubelabError && error.message === `the fault state is locked by process ${holder.pid}, which is still running`,
      );
      assert.equal(await fs.readFile(file, 'utf8'), `${holder.pid}\n`, 'left alone');
    } finally {
      holder.kill();
      await holder;
    }
  });
});

describe('fault state and journal', () => {
  test('the state is written whole (temp file and rename) and read back', async () => {
    const dir = await tempDir('fault-state');
    assert.deepEqual(await readState(dir), emptyState());
    const state = { ...emptyState(), nextId: 2, faults: [record({ kind: 'freeze', nodes: ['cp'] })] };
    await writeState(dir, state);
    assert.deepEqual(await readState(dir), state);
    assert.deepEqual(await fs.readdir(path.dirname(statePath(dir))), ['faults.json']);
  });

  test('a damaged state file is an error that says what it holds', async () => {
    const dir = await tempDir('fault-state');
    await fs.mkdirp(path.dirname(statePath(dir)));
    await fs.writeFile(statePath(dir), '{"version": 1, "faul');
    await assert.rejects(
      readState(dir),
      (error: unknown) => error instanceof KubelabError && /faults\.json cannot be read/.test(error.message) && /journal/.test(error.hint ?? ''),
    );
  });

  test('concurrent updates lose nothing', async () => {
    const dir = await tempDir('fault-state');
    await Promise.all(
      Array.from({ length: 8 }, () =>
        updateState(dir, async (state) => {
          const seen = state.nextId;
          await pause(5);
          state.nextId = seen + 1;
        }),
      ),
    );
    assert.equal((await readState(dir)).nextId, 9);
  });

  test('the journal is appended to, one JSON line per entry, with a timestamp', async () => {
    const dir = await tempDir('fault-journal');
    const fault = record({ kind: 'loss', percent: 20, from: ['worker-1'], to: ['cp'], oneWay: true });
    await appendJournal(dir, { action: 'inject', id: 'f1', kind: 'loss', targets: fault.targets, params: { percent: 20 } as never, result: 'ok' });
    await appendJournal(dir, { action: 'undo', id: 'f1', kind: 'loss', targets: fault.targets, params: {}, result: 'error', message: 'no route' });
    const lines = (await fs.readFile(journalPath(dir), 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 2);
    const entries = await readJournal(dir);
    assert.deepEqual(
      entries.map((e) => [e.action, e.id, e.result, e.message]),
      [
        ['inject', 'f1', 'ok', undefined],
        ['undo', 'f1', 'error', 'no route'],
      ],
    );
    assert.ok(entries.every((e) => !Number.isNaN(Date.parse(e.ts))));
    assert.deepEqual(Object.keys(entries[0]!), ['ts', 'action', 'id', 'kind', 'targets', 'params', 'result']);
  });
});

describe('fault timer', () => {
  test('a timer wakes at its time, undoes what is due, and exits', async () => {
    const dir = await tempDir('fault-timer');
    const fault = { ...record({ kind: 'freeze', nodes: ['cp'] }), expiresAt: new Date(Date.now() + 1000).toISOString() };
    // The state does not hold the fault (undone by hand meanwhile): the timer finds nothing due.
    await writeState(dir, emptyState());
    const pid = await startTimer(dir, fault);
    assert.ok(pid && processAlive(pid), 'running');
    await waitFor('the timer to exit', () => !processAlive(pid!));
    const log = await fs.readFile(path.join(dir, '.kubelab/logs/fault-timer-f1.log'), 'utf8');
    assert.match(log, /timer for f1: nothing was due/);
  });

  test('stopping a timer ends it, and never a process that merely got its pid', async () => {
    const stranger = execa('sleep', ['30'], { reject: false });
    const timer = execa(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'fault', 'undo', 'f1', '--at', 'x'], { reject: false });
    try {
      await pause(200);
      const fault = record({ kind: 'freeze', nodes: ['cp'] });
      await stopTimer({ ...fault, timerPid: stranger.pid });
      await pause(200);
      assert.ok(processAlive(stranger.pid!), 'not a timer: left alone');
      await stopTimer({ ...fault, timerPid: timer.pid });
      await waitFor('the timer to end', () => !processAlive(timer.pid!));
    } finally {
      stranger.kill();
      timer.kill();
      await Promise.all([stranger, timer]);
    }
  });
});

describe('kubelab fault: bad input changes nothing', () => {
  const SPEC = threeNodeDockerSpec('offline', '192.168.239.0/24', 'rancher');

  /** A lab folder that looks up (it has its key), with no machine behind it. */
  async function fakeLab(): Promise<{ dir: string; outDir: string }> {
    const dir = await tempDir('fault-cli');
    await fs.writeFile(path.join(dir, 'kubelab.yaml'), SPEC);
    const outDir = path.join(dir, 'out');
    await fs.mkdirp(path.join(outDir, '.kubelab/ssh'));
    await fs.writeFile(path.join(outDir, '.kubelab/ssh/id_ed25519'), 'not a key\n');
    return { dir, outDir };
  }

  const REFUSED: [string[], number, RegExp][] = [
    [
      ['freeze', 'nope'],
      2,
      /freeze: no node, role or group is called "nope"\nhint: choose from nodes: cp, worker-1, worker-2; roles: etcd, controlplane, worker; groups: worker; or all/,
    ],
    [['partition', '--from', 'workers', '--to', 'cp'], 2, /--from: no node, role or group is called "workers"/],
    [['loss', '150', '--from', 'worker', '--to', 'cp'], 2, /loss: "150" is not a percentage above 0 and at most 100/],
    [['loss', '0', '--from', 'worker', '--to', 'cp'], 2, /loss: "0" is not a percentage/],
    [['disk-fill', '101', '--node', 'cp'], 2, /disk-fill: "101" is not a percentage/],
    [['bandwidth', '1mbps', '--from', 'worker', '--to', 'cp'], 2, /bandwidth: "1mbps" is not a rate/],
    [['kill', 'kube-nothing', '--node', 'cp'], 2, /"kube-nothing" is not a component kubelab knows\nhint: choose from etcd, kube-apiserver/],
    [['partition', '--from', 'cp', '--to', 'cp'], 2, /leave no traffic between two different nodes/],
    [['crash', 'cp', '--for', '10'], 2, /--for: "10" is not a duration such as 30s/],
    [['undo', 'f9'], 2, /no active fault f9/],
    [['undo', 'nine'], 2, /nine: a fault id looks like f1/],
  ];

  test('each refusal is a clear error; no state, no journal', async () => {
    const { dir, outDir } = await fakeLab();
    for (const [args, code, message] of REFUSED) {
      const result = await kubelab(dir, ['fault', ...args]);
      assert.equal(result.code, code, `${args.join(' ')}:\n${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.doesNotMatch(result.stderr, /unexpected error/);
    }
    assert.ok(!(await fs.pathExists(journalPath(outDir))), 'no journal');
    assert.deepEqual((await readState(outDir)).faults, []);
  });

  test('a fault that clashes with an active one is refused, and the state is left byte for byte', async () => {
    const { dir, outDir } = await fakeLab();
    const active = record({ kind: 'partition', from: ['worker-1'], to: ['cp'], oneWay: true });
    await writeState(outDir, { ...emptyState(), nextId: 2, faults: [active] });
    const before = await fs.readFile(statePath(outDir));
    for (const args of [
      ['partition', '--from', 'worker', '--to', 'cp'],
      ['loss', '5', '--from', 'worker-1', '--to', 'cp', '--one-way'],
    ]) {
      const result = await kubelab(dir, ['fault', ...args]);
      assert.equal(result.code, 5, result.stderr);
      assert.match(result.stderr, /worker-1 -> cp already has f1 \(partition worker-1 -> cp\)\nhint: undo it first \(kubelab fault undo f1\)/);
    }
    assert.ok((await fs.readFile(statePath(outDir))).equals(before));
    assert.ok(!(await fs.pathExists(journalPath(outDir))));

    const list = await kubelab(dir, ['fault', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID +FAULT +NODES +SINCE +UNDONE\nf1 +partition worker-1 -> cp +cp,worker-1 +\S+ ago +by hand$/);
    const json = JSON.parse((await kubelab(dir, ['fault', 'list', '--json'])).stdout) as { id: string; description: string }[];
    assert.deepEqual(
      json.map((f) => [f.id, f.description]),
      [['f1', 'partition worker-1 -> cp']],
    );
  });

  test('a lab that is not up is said so', async () => {
    const { dir, outDir } = await fakeLab();
    await fs.remove(path.join(outDir, '.kubelab'));
    const result = await kubelab(dir, ['fault', 'freeze', 'cp']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /lab offline is not up: .* does not exist\nhint: bring it up with `kubelab apply`/);
  });

  test('destroy clears the recorded faults into the journal, and keeps the journal', async () => {
    const { dir, outDir } = await fakeLab();
    await writeState(outDir, {
      ...emptyState(),
      nextId: 3,
      faults: [record({ kind: 'loss', percent: 10, from: ['worker-1'], to: ['cp'], oneWay: true }), record({ kind: 'cpu-hog', cpus: 1, nodes: ['cp'] }, 2)],
    });
    const result = await kubelab(dir, ['destroy']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /cleared the active faults f1, f2 \(journal: lab\.journal\.jsonl\)/);
    assert.ok(!(await fs.pathExists(path.join(outDir, '.kubelab'))));
    const journal = await readJournal(outDir);
    assert.deepEqual(
      journal.map((e) => [e.action, e.id, e.result, e.message]),
      [
        ['clear', 'f2', 'ok', 'the lab was destroyed'],
        ['clear', 'f1', 'ok', 'the lab was destroyed'],
      ],
    );
  });

  test('fault --help describes every kind', async () => {
    const result = await kubelab(process.cwd(), ['fault', '--help']);
    assert.equal(result.code, 0);
    for (const kind of [
      'stop',
      'crash',
      'freeze',
      'resume',
      'start',
      'partition',
      'loss',
      'bandwidth',
      'delay',
      'kill',
      'stop-component',
      'pause',
      'disk-fill',
      'cpu-hog',
      'mem-hog',
      'list',
      'undo',
      'clear',
    ]) {
      assert.match(result.stdout, new RegExp(`kubelab fault ${kind}\\b`), kind);
    }
    assert.match(result.stdout, /--for DURATION/);
  });
});
