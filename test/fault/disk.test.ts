/**
 * Disk faults: the delay as a person writes it, etcd nodes only, the scripts' table swaps (dm-delay
 * over the same disk, linear again on undo and sweep), and the refusal on machines without a disk
 * of their own, before anything is recorded or done.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { injectFault } from '../../src/fault/engine.js';
import { FaultInputError } from '../../src/fault/errors.js';
import { familyOf, kindCommand, sweepScript } from '../../src/fault/families/index.js';
import { readState } from '../../src/lab/state.js';
import { LAB, record } from '../support/fault-fixtures.js';
import { tempDir } from '../support/tmp.js';

const VMS = { ...LAB, provider: 'libvirt' as const };
const command = kindCommand('disk-delay')!.command;

describe('disk faults', () => {
  test('disk-delay: a duration up to 10 s, on etcd nodes only (all of them unless --node says)', () => {
    assert.deepEqual(command.parse({ delay: '250ms', node: 'etcd' }, VMS), { kind: 'disk-delay', delayMs: 250, nodes: ['etcd'] });
    for (const bad of ['0ms', '11s', 'slow', '-5ms'])
      assert.throws(
        () => command.parse({ delay: bad, node: 'etcd' }, VMS),
        (e: unknown) => e instanceof FaultInputError && /^disk-delay: .* is not a duration from 1ms to 10s/.test(e.message),
        bad,
      );
    assert.throws(
      () => command.parse({ delay: '50ms', node: 'etcd,worker-1' }, VMS),
      (e: unknown) => e instanceof FaultInputError && /^worker-1: not an etcd node, and only etcd nodes have a disk of their own/.test(e.message),
    );
  });

  test("the device's table becomes dm-delay's over the same disk, and linear again on undo; a second delay is refused", () => {
    const [step] = familyOf('disk-delay').plan(record({ kind: 'disk-delay', delayMs: 250, nodes: ['etcd'] }), { lab: VMS, forMs: undefined });
    const inject = step!.inject.type === 'script' ? step!.inject.script : '';
    const undo = step!.undo.type === 'script' ? step!.undo.script : '';
    assert.match(inject, /read -r _ sectors target device offset _ <<< "\$\(dmsetup table kubelab-etcd\)"/);
    assert.match(inject, /swap_table "0 \$sectors delay \$device \$offset 250"/);
    assert.match(inject, /\[ "\$target" = linear \] \|\| refuse "etcd's disk on \$\(hostname\) is already mapped as \$target/);
    assert.match(inject, /has no etcd disk of its own/);
    assert.match(undo, /swap_table "0 \$sectors linear \$device \$offset"/);
    assert.doesNotMatch(undo, /^\s*refuse /m, 'an undo on a node without the disk does nothing');
  });

  test('refused on docker and VirtualBox machines, which have no disk of their own, before anything is recorded; the sweep acts on VMs only', async () => {
    for (const provider of ['docker', 'virtualbox'] as const) {
      const dir = await tempDir('disk-refused');
      await assert.rejects(
        injectFault({ outDir: dir, note: () => undefined }, { ...LAB, provider }, { kind: 'disk-delay', delayMs: 100, nodes: ['etcd'] }, undefined),
        (e: unknown) =>
          e instanceof FaultInputError &&
          e.message.startsWith(`disk-delay cannot work on this lab's ${provider} machines: it needs a disk of its own for etcd's data`) &&
          /libvirt/.test(e.hint ?? ''),
      );
      assert.deepEqual((await readState(dir)).faults, []);
    }
    assert.doesNotMatch(sweepScript(LAB), /dmsetup/);
    assert.match(sweepScript(VMS), /dmsetup load kubelab-etcd/);
  });
});
