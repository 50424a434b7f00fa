import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { describeFault } from '../../src/fault/describe.js';
import type { FaultParams, FaultRecord, LabAccess } from '../../src/fault/types.js';
import { scenarioSchema } from '../../src/scenario/schema.js';
import { kindOf, LabChanges, STEP_KINDS, stepId, waitConditions, type LabActions, type StepRun } from '../../src/scenario/steps.js';
import { Timeline } from '../../src/scenario/timeline.js';
import { ConditionTracker } from '../../src/scenario/tracker.js';
import type { ScenarioDocument, StepSpec } from '../../src/scenario/types.js';
import { tempDir } from '../support/tmp.js';

const LAB: LabAccess = {
  name: 'lab',
  provider: 'docker',
  sshUser: 'vagrant',
  sshKey: 'key',
  interface: 'eth1',
  nodes: [
    { name: 'cp', machineName: 'lab-cp', ip: '10.0.0.10', roles: ['controlplane', 'etcd'] },
    { name: 'worker-1', machineName: 'lab-worker-1', ip: '10.0.0.13', roles: ['worker'] },
    { name: 'worker-2', machineName: 'lab-worker-2', ip: '10.0.0.14', roles: ['worker'] },
  ],
};

const DOC: ScenarioDocument = { name: 't', title: 'T', description: 'd', steps: [{ sleep: '1s' }] };

/** A step run whose actions on the lab are recorded, not done. */
async function fixture() {
  const timeline = new Timeline(path.join(await tempDir('steps'), 'journal.jsonl'));
  const done: string[] = [];
  const actions: LabActions = {
    injectFault: (params: FaultParams, forMs: number | undefined): Promise<FaultRecord> => {
      done.push(`inject ${JSON.stringify(params)} for ${String(forMs)}`);
      return Promise.resolve({ id: 'f1', kind: params.kind, params, lab: LAB, targets: ['worker-2'], injectedAt: '2026-01-01T00:00:00Z' });
    },
    undoFault: (id) => {
      done.push(`undo ${id}`);
      return Promise.resolve();
    },
    kubectl: (args) => {
      done.push(`kubectl ${args.join(' ')}`);
      return Promise.resolve();
    },
  };
  const context: StepRun = {
    lab: LAB,
    picked: { victim: 'worker-2' },
    timeline,
    tracker: new ConditionTracker(timeline, DOC),
    stepsBeginMs: 0,
    signal: new AbortController().signal,
    actions,
    changes: new LabChanges(),
  };
  const run = (step: StepSpec, id: string) => kindOf(step).run(step, id, context);
  return { timeline, done, context, run };
}

describe('the step kinds', () => {
  test("the table's kinds are the schema's, each under its own key", () => {
    const step = (scenarioSchema() as { $defs: { step: { oneOf: { required: string[] }[] } } }).$defs.step;
    assert.deepEqual(
      step.oneOf.map((form) => form.required[0]),
      Object.keys(STEP_KINDS),
    );
    for (const [key, kind] of Object.entries(STEP_KINDS)) assert.equal(kind.key, key);
  });

  test('each kind has its text, its measured moment, and whether an undo may name it', () => {
    const steps: [StepSpec, string, 'start' | 'done', true | string][] = [
      [{ fault: { kind: 'crash', nodes: '$victim', for: '1m' } }, 'fault crash nodes=worker-2 for=1m', 'start', true],
      [{ undo: 'crash' }, 'undo crash', 'start', 'an undo step'],
      [{ wait: { node: '$victim', ready: false }, timeout: '2m' }, 'wait until worker-2 not Ready', 'done', 'a wait step'],
      [{ sleep: '5s' }, 'sleep 5s', 'done', 'a sleep step'],
      [{ kubectl: ['scale', 'deployment/x', '--replicas=0'] }, 'kubectl scale deployment/x --replicas=0', 'start', 'a kubectl step without `revert`'],
      [
        { kubectl: ['scale', 'deployment/x', '--replicas=0'], revert: ['scale', 'deployment/x', '--replicas=1'] },
        'kubectl scale deployment/x --replicas=0',
        'start',
        true,
      ],
    ];
    for (const [step, text, moment, undoable] of steps) {
      const kind = kindOf(step);
      assert.equal(kind.text(step, { victim: 'worker-2' }), text);
      assert.equal(kind.moment, moment, text);
      assert.equal(kind.undoable(step), undoable, text);
    }
    assert.equal(stepId({ sleep: '1s' }, 2), 'step-3');
    assert.equal(stepId({ id: 'nap', sleep: '1s' }, 2), 'nap');
  });

  test('the conditions a scenario waits for are its waits’', () => {
    const steps: StepSpec[] = [{ wait: { api: 'down' } }, { sleep: '1s' }, { wait: { dns: 'works' }, timeout: '1m' }];
    assert.deepEqual(waitConditions({ ...DOC, steps }), [{ api: 'down' }, { dns: 'works' }]);
  });

  test('a fault step injects what `kubelab fault` makes of its words, and an undo of it undoes that fault', async () => {
    const { run, done, timeline, context } = await fixture();
    const injected = await run({ fault: { kind: 'crash', nodes: '$victim', for: '1m' } }, 'crash');
    assert.deepEqual(done, ['inject {"kind":"crash","nodes":["worker-2"]} for 60000']);
    assert.deepEqual(context.changes.injected, ['f1']);
    const inject = timeline.entries.at(-1);
    assert.deepEqual(inject && { ...inject, at: '' }, {
      type: 'fault',
      action: 'inject',
      id: 'f1',
      text: describeFault({ params: { kind: 'crash', nodes: ['worker-2'] } }),
      targets: ['worker-2'],
      at: '',
      t: inject?.t,
    });
    assert.deepEqual(injected, { doneMs: inject?.t });
    const undone = await run({ undo: 'crash' }, 'power-on');
    assert.deepEqual(done.slice(1), ['undo f1']);
    assert.deepEqual(undone, { doneMs: timeline.entries.at(-1)?.t });
    const undo = timeline.entries.at(-1);
    assert.equal(undo?.type === 'fault' ? undo.text : undefined, 'undo f1 (crash)');
    await assert.rejects(run({ undo: 'nothing' }, 'again'), /step nothing injected no fault/);
  });

  test("a kubectl step's revert runs at its undo, once, and is left for the end when nothing undoes it", async () => {
    const { run, done, context } = await fixture();
    await run({ kubectl: ['scale', 'deployment/x', '--replicas=0'], revert: ['scale', 'deployment/x', '--replicas=1'] }, 'off');
    await run({ kubectl: ['scale', 'deployment/y', '--replicas=0'], revert: ['scale', 'deployment/y', '--replicas=1'] }, 'y-off');
    await run({ undo: 'off' }, 'on');
    assert.deepEqual(done, ['kubectl scale deployment/x --replicas=0', 'kubectl scale deployment/y --replicas=0', 'kubectl scale deployment/x --replicas=1']);
    assert.deepEqual([...context.changes.reverts], [['y-off', ['scale', 'deployment/y', '--replicas=1']]]);
  });

  test('a wait ends when its condition first held, not before the steps began, or gives up after its timeout', async () => {
    const { run, timeline } = await fixture();
    const seen = timeline.record({ type: 'api', up: false, error: 'ECONNREFUSED' }).t;
    assert.deepEqual(await run({ wait: { api: 'down' } }, 'down'), { doneMs: seen });
    assert.deepEqual(await run({ wait: { api: 'up' }, timeout: '30ms' }, 'up'), { timedOut: 'not seen within 30ms' });
  });
});
