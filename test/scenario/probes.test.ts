import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { scenarioSchemaFile } from '../../src/paths.js';
import { describeCondition, holds } from '../../src/scenario/conditions.js';
import { nodeKeys, ownerOf, preconditionConditions, PRECONDITIONS, PROBES, runPreconditions, runProbes } from '../../src/scenario/probes/index.js';
import { NODE_KEY } from '../../src/scenario/probes/probe.js';
import { resolveCondition } from '../../src/scenario/resolve.js';
import { scenarioSchema } from '../../src/scenario/schema.js';
import { Timeline } from '../../src/scenario/timeline.js';
import { ConditionTracker } from '../../src/scenario/tracker.js';
import type { Condition, ScenarioDocument } from '../../src/scenario/types.js';
import { ClusterView } from '../../src/scenario/view.js';
import { tempDir } from '../support/tmp.js';

type Json = { [key: string]: Json } & { oneOf?: Json[]; enum?: string[]; required?: string[]; 'x-hint'?: string; $comment?: string };

const doc = (extra: Partial<ScenarioDocument>): ScenarioDocument => ({ name: 't', title: 'T', description: 'd', steps: [{ sleep: '1s' }], ...extra });

describe('the probe registry', () => {
  test('each probe has its own name, and each key of a condition but the node reference belongs to one probe', () => {
    assert.equal(new Set(PROBES.map((p) => p.name)).size, PROBES.length);
    for (const probe of PROBES) {
      for (const [key, schema] of Object.entries(probe.conditions?.keys ?? {})) {
        if (schema === NODE_KEY) continue;
        assert.equal(ownerOf({ [key]: 'x' } as unknown as Condition).probe.name, probe.name, key);
      }
    }
  });

  test("each probe's forms use its keys, and each of its keys is in a form", () => {
    for (const probe of PROBES) {
      const conditions = probe.conditions;
      if (!conditions) continue;
      const keys = Object.keys(conditions.keys);
      const used = new Set(conditions.forms.flatMap((form) => Object.keys(form.keys)));
      for (const form of conditions.forms) {
        for (const key of Object.keys(form.keys)) assert.ok(keys.includes(key), `${probe.name}: ${form.example} has ${key}, which is none of its keys`);
        for (const key of form.optional ?? []) assert.ok(key in form.keys, `${probe.name}: ${form.example} leaves out ${key}, which it does not have`);
      }
      assert.deepEqual([...used].sort(), [...keys].sort(), probe.name);
    }
  });

  test("the schema file leaves the conditions and the preconditions to the probes, and the assembled schema has every probe's", async () => {
    const file = (await fs.readJson(scenarioSchemaFile)) as Json;
    assert.equal(file.$defs?.condition?.properties, undefined);
    assert.equal(file.$defs?.condition?.oneOf, undefined);
    assert.equal(file.properties?.preconditions?.items?.enum, undefined);
    assert.match(file.$defs?.condition?.$comment as unknown as string, /src\/scenario\/schema\.ts fills them in/);

    const schema = scenarioSchema() as Json;
    const condition = schema.$defs!.condition!;
    const forms = PROBES.flatMap((p) => p.conditions?.forms ?? []);
    assert.equal(condition.oneOf?.length, forms.length);
    assert.equal(condition['x-hint'], `write one of ${forms.map((f) => f.example).join(', ')}`);
    assert.deepEqual(Object.keys(condition.properties ?? {}), [...new Set(PROBES.flatMap((p) => Object.keys(p.conditions?.keys ?? {})))]);
    assert.equal(condition.$comment, undefined);
    const preconditions = schema.properties!.preconditions!;
    assert.deepEqual(preconditions.items?.enum, [...PRECONDITIONS]);
    assert.equal(
      preconditions.items?.description as unknown as string,
      'nodes-ready, leases-held, api-up, etcd-healthy, workload-ready (needs `workload`), traffic-flows (needs `workload`), or dns-works.',
    );
    assert.equal(preconditions.maxItems as unknown as number, PRECONDITIONS.length);
  });

  test('a run starts the probes that always run, and DNS and writes only when a wait or a precondition asks', () => {
    const always = ['nodes', 'leader-leases', 'api', 'etcd', 'workload'];
    const names = (preconditions: ScenarioDocument['preconditions'], waits: Condition[]) => runProbes(preconditions ?? [], waits).map((p) => p.name);
    assert.deepEqual(names([], []), always);
    assert.deepEqual(names(['dns-works'], []), [...always, 'dns']);
    assert.deepEqual(names([], [{ writes: 'fail' }, { dns: 'fails' }]), [...always, 'dns', 'writes']);
    // The clients run with the workload: its precondition asks for them.
    assert.deepEqual(names(['traffic-flows'], []), [...always, 'traffic']);
    assert.deepEqual(
      runProbes([], []).filter((p) => p.needsNamespace),
      [],
    );
    assert.ok(runProbes(['dns-works'], []).some((p) => p.needsNamespace));
  });

  test('the preconditions of a run: those named, then those a workload implies, each once', () => {
    assert.deepEqual(runPreconditions(doc({ preconditions: ['nodes-ready', 'api-up'] })), ['nodes-ready', 'api-up']);
    assert.deepEqual(runPreconditions(doc({ preconditions: ['nodes-ready'], workload: { replicas: 2 } })), ['nodes-ready', 'workload-ready', 'traffic-flows']);
    assert.deepEqual(runPreconditions(doc({ preconditions: ['workload-ready', 'api-up'], workload: { replicas: 2 } })), [
      'workload-ready',
      'api-up',
      'traffic-flows',
    ]);
    assert.deepEqual(
      PRECONDITIONS.flatMap((p) => preconditionConditions(p, ['a', 'b'])),
      [
        { node: 'a', renewed: true },
        { node: 'a', ready: true },
        { node: 'b', renewed: true },
        { node: 'b', ready: true },
        { lease: 'kube-controller-manager', held: true },
        { lease: 'kube-scheduler', held: true },
        { api: 'up' },
        { etcd: 'leader' },
        { workload: 'ready' },
        { traffic: 'flows', client: 'in-cluster' },
        { traffic: 'flows', client: 'host' },
        { dns: 'works' },
      ],
    );
  });

  test('node references are found by their schema, and their $variables resolved', () => {
    assert.deepEqual(nodeKeys({ workload: 'moved-off', node: '$victim' }), ['node']);
    assert.deepEqual(nodeKeys({ api: 'up' }), []);
    assert.deepEqual(resolveCondition({ node: '$victim', taint: 'node.kubernetes.io/unreachable' }, { victim: 'worker-2' }), {
      node: 'worker-2',
      taint: 'node.kubernetes.io/unreachable',
    });
    assert.deepEqual(resolveCondition({ dns: 'works' }, { victim: 'worker-2' }), { dns: 'works' });
  });

  test('each condition is described by its probe', () => {
    const described: [Condition, string][] = [
      [{ node: 'w', ready: false }, 'w not Ready'],
      [{ node: 'w', taint: 'node.kubernetes.io/unreachable', present: false }, 'w without node.kubernetes.io/unreachable'],
      [{ node: 'w', condition: 'DiskPressure', status: true }, 'w DiskPressure=True'],
      [{ node: 'w', renewed: true }, "w's kubelet renewed its lease"],
      [{ api: 'down' }, 'the API down'],
      [{ api: 'up', server: 'cp-2' }, "cp-2's kube-apiserver up"],
      [{ lease: 'kube-controller-manager', moved: true }, 'the kube-controller-manager lease moved to another node'],
      [{ lease: 'kube-scheduler', holder: 'cp-1' }, 'the kube-scheduler lease held by cp-1'],
      [{ nodes: 'not-ready' }, 'a node not Ready'],
      [{ workload: 'not-ready' }, 'a replica not Ready'],
      [{ etcd: 'new-leader' }, 'etcd elected a leader (a new term)'],
      [{ workload: 'moved-off', node: 'w' }, 'every replica Ready, none on w'],
      [{ dns: 'fails' }, 'in-cluster DNS fails'],
      [{ writes: 'work' }, 'API writes work'],
    ];
    for (const [condition, words] of described) assert.equal(describeCondition(condition), words);
  });

  test('DNS and writes hold on their own answers, told apart by the probe that answered', async () => {
    const timeline = new Timeline(path.join(await tempDir('probes'), 'journal.jsonl'));
    const tracker = new ConditionTracker(timeline, doc({}));
    timeline.record({ type: 'probe', probe: 'dns', ok: false, error: 'lookup of kubernetes.default failed' });
    timeline.record({ type: 'probe', probe: 'writes', ok: true });
    const at = (condition: Condition) => tracker.waitFor(condition, { timeoutMs: 20, notBefore: 0, signal: new AbortController().signal });
    assert.notEqual(await at({ dns: 'fails' }), null);
    assert.equal(await at({ dns: 'works' }), null);
    assert.notEqual(await at({ writes: 'work' }), null);
    assert.equal(await at({ writes: 'fail' }), null);
  });

  test('a copy of the view keeps what it saw while the view goes on', () => {
    const view = new ClusterView();
    const record = (term: number) => view.apply({ type: 'etcd', leader: 'cp', term, healthy: ['cp'], unhealthy: [], at: '', t: term });
    record(2);
    const before = view.copy();
    record(3);
    const judging = { doc: doc({}), atStepsStart: before };
    assert.equal(holds({ etcd: 'new-leader' }, view, judging), true);
    assert.equal(holds({ etcd: 'new-leader' }, before, judging), false);
  });
});
