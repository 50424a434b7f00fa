import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { test } from 'node:test';
import { stateFrom, type MachineControl, type MachineRef } from '../../src/providers/driver.js';
import { vagrantSnapshots } from '../../src/providers/vagrant-snapshots.js';
import { tempDir } from '../support/tmp.js';

/**
 * A machine whose "hypervisor" is a file: its state is the file's text, and a power cut writes
 * "off" into it and records the cut. What is checked is which machines a restore powers off, and
 * that it does so without Vagrant (whose libvirt halt first waits for the guest).
 */
function fileMachine(dir: string, m: MachineRef, failKill = false): MachineControl {
  const state = path.join(dir, `${m.id}.state`);
  const cuts = path.join(dir, 'cuts');
  const sh = (script: string) => ({ file: 'sh', args: ['-c', script, 'sh', state, cuts, m.id] });
  const unused = { file: 'false', args: [] };
  return {
    ops: {
      kill: failKill ? sh('echo "error: domain is locked" >&2; exit 1') : sh('echo off > "$1"; echo "$3" >> "$2"'),
      stop: unused,
      start: unused,
      pause: unused,
      resume: unused,
    },
    state: sh('cat "$1"'),
    parse: stateFrom({ running: 'running', paused: 'paused', off: 'off' }),
    remove: [unused],
  };
}

test("a restore cuts the power of every machine that is not off, through the provider's own tool", async () => {
  const dir = await tempDir('vagrant-snapshots');
  const machines = ['cp', 'worker', 'etcd'].map((node) => ({ node, id: `${node}-uuid`, outDir: dir }));
  await fs.writeFile(path.join(dir, 'cp-uuid.state'), 'running\n');
  await fs.writeFile(path.join(dir, 'worker-uuid.state'), 'paused\n');
  await fs.writeFile(path.join(dir, 'etcd-uuid.state'), 'off\n');
  const snapshots = vagrantSnapshots((m) => fileMachine(dir, m));
  await snapshots.stopAll({ outDir: dir, machines }, 'restore');
  const cuts = (await fs.readFile(path.join(dir, 'cuts'), 'utf8')).trim().split('\n').sort();
  assert.deepEqual(cuts, ['cp-uuid', 'worker-uuid'], 'the machine already off is left alone');
  for (const m of machines) assert.equal((await fs.readFile(path.join(dir, `${m.id}.state`), 'utf8')).trim(), 'off');
});

test('a power cut that fails names the node and what the tool said', async () => {
  const dir = await tempDir('vagrant-snapshots');
  await fs.writeFile(path.join(dir, 'cp-uuid.state'), 'running\n');
  const snapshots = vagrantSnapshots((m) => fileMachine(dir, m, true));
  await assert.rejects(snapshots.stopAll({ outDir: dir, machines: [{ node: 'cp', id: 'cp-uuid', outDir: dir }] }, 'restore'), (error: Error) => {
    assert.match(error.message, /^powering off node cp: `sh -c .*` failed \(exit code 1\)\n.*domain is locked/s);
    return true;
  });
});
