/**
 * Clock faults: offsets as a person writes them, strobes a node can follow, the scripts' moves
 * (the same offset back on undo, time sync stopped and started), and the refusal on machines that
 * share the host's clock, before anything is recorded or done.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { injectFault } from '../../src/fault/engine.js';
import { FaultInputError } from '../../src/fault/errors.js';
import { parseOffset } from '../../src/fault/families/clock.js';
import { familyOf, kindCommand, sweepScript } from '../../src/fault/families/index.js';
import { readState } from '../../src/lab/state.js';
import { LAB, record } from '../support/fault-fixtures.js';
import { tempDir } from '../support/tmp.js';

const VMS = { ...LAB, provider: 'libvirt' as const };
const scripts = (fault: ReturnType<typeof record>) =>
  familyOf(fault.kind)
    .plan(fault, { lab: VMS, forMs: undefined })
    .map((step) => ({ inject: step.inject.type === 'script' ? step.inject.script : '', undo: step.undo.type === 'script' ? step.undo.script : '' }))[0]!;

describe('clock faults', () => {
  test('an offset is a signed duration, not zero, at most a day', () => {
    assert.equal(parseOffset('+30s'), 30_000);
    assert.equal(parseOffset('-2m'), -120_000);
    assert.equal(parseOffset('90s'), 90_000);
    assert.equal(parseOffset('-500ms'), -500);
    for (const bad of ['0s', '+', 'soon', '25h', '-1d1s']) assert.equal(parseOffset(bad), undefined, bad);
  });

  test('clock: the offset forward, and the same back on undo; time sync stopped, then started as it was', () => {
    const { inject, undo } = scripts(record({ kind: 'clock', offsetMs: -90_000, nodes: ['cp'] }));
    assert.match(inject, /^shift_clock -90\.000$/m);
    assert.match(inject, /systemctl stop "\$unit"/);
    assert.match(inject, /systemd-timesyncd\.service chrony\.service/);
    assert.match(undo, /^shift_clock 90\.000$/m);
    assert.match(undo, /systemctl start "\$unit"/);
    assert.match(undo, /no record of \$ID: the clock was not set by it/, 'an undo without its inject moves nothing');
  });

  test('clock-strobe: a process of its own, ended on undo, which sets the true time as it ends', () => {
    const { inject, undo } = scripts(record({ kind: 'clock-strobe', offsetMs: 2_000, periodMs: 500, nodes: ['worker-1'] }));
    assert.match(inject, /setsid timeout 21600 bash -c .* kubelab-clock-strobe 2\.000 -2\.000 0\.500 /s);
    assert.match(inject, /trap restore TERM INT/);
    assert.match(undo, /kill -TERM -- "-\$group"/);
    const period = kindCommand('clock-strobe')!.command;
    assert.throws(
      () => period.parse({ offset: '+2s', period: '100ms', node: 'worker-1' }, LAB),
      (e: unknown) => e instanceof FaultInputError && /--period 100ms is faster than a node can follow/.test(e.message) && /200ms/.test(e.hint ?? ''),
    );
  });

  test("refused on the docker provider, whose nodes' clock is the host's, before anything is recorded; its sweep leaves the clock alone", async () => {
    const dir = await tempDir('clock-refused');
    await assert.rejects(
      injectFault({ outDir: dir, note: () => undefined }, LAB, { kind: 'clock', offsetMs: 30_000, nodes: ['cp'] }, undefined),
      (e: unknown) =>
        e instanceof FaultInputError &&
        /^clock cannot work on this lab's docker machines: it needs machines of their own, and a container's clock is the host's/.test(e.message),
    );
    assert.deepEqual((await readState(dir)).faults, []);
    assert.doesNotMatch(sweepScript(LAB), /date -s/);
    assert.match(sweepScript(VMS), /since_epoch/);
  });
});
