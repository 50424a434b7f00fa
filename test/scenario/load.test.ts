import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { KubelabError, ScenarioError, type SpecProblem } from '../../src/errors.js';
import { EXIT } from '../../src/exit-codes.js';
import { builtinScenarioDir, findScenario, listScenarios } from '../../src/scenario/catalogue.js';
import { loadScenario, MAX_SCENARIO_BYTES, parseScenario } from '../../src/scenario/load.js';
import { brief, errorsOf, warningsOf } from '../support/spec.js';
import { tempDir } from '../support/tmp.js';

const FILE = 'scenario.yaml';
/** Three lines every scenario needs; the text under test starts on line 4. */
const HEAD = 'name: t\ntitle: T\ndescription: d\n';
const CP = 'nodes:\n  cp: {role: controlplane}\n';

/** Parses a scenario that must be rejected, and returns every problem found in it. */
function rejected(text: string): SpecProblem[] {
  try {
    parseScenario(FILE, text);
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  assert.fail(`the scenario was accepted, but it should be rejected:\n${text}`);
}

describe('built-in scenarios', () => {
  test('every file in scenarios/ loads without a problem or warning, and is named as its file', async () => {
    const files = (await fs.readdir(builtinScenarioDir())).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(files.length > 0, 'the scenarios folder has scenarios');
    for (const file of files) {
      const loaded = await loadScenario(path.join(builtinScenarioDir(), file));
      assert.deepEqual(loaded.warnings, [], file);
      assert.equal(`${loaded.doc.name}.yaml`, file);
    }
    for (const entry of await listScenarios()) assert.equal(entry.problem, undefined, entry.name);
  });

  test('kube-apiserver-kill reads as the types say', async () => {
    const { doc } = await findScenario('kube-apiserver-kill');
    assert.deepEqual(doc.nodes, { cp: { role: 'controlplane' } });
    assert.deepEqual(doc.preconditions, ['nodes-ready', 'api-up']);
    assert.deepEqual(doc.steps, [
      { id: 'kill', fault: { kind: 'kill', component: 'kube-apiserver', node: '$cp' } },
      { id: 'down', wait: { api: 'down', server: '$cp' }, timeout: '30s' },
      { id: 'up', wait: { api: 'up', server: '$cp' }, timeout: '3m' },
      { id: 'nodes-ready', wait: { node: '$cp', ready: true }, timeout: '1m' },
    ]);
    assert.deepEqual(
      doc.expectations?.map(({ why: _why, ...e }) => e),
      [
        { name: 'the API server goes away at once', from: 'kill', to: 'down', atMost: '5s' },
        { name: 'the API server is back (restart policy always)', from: 'kill', to: 'up', atMost: { setting: 'node-monitor-grace-period' } },
      ],
    );
  });
});

interface BadScenario {
  name: string;
  text: string;
  /** Every error, as `error LINE:COLUMN PATH: MESSAGE`. */
  errors: string[];
  /** The hint of the first error. */
  hint?: string;
}

const badScenarios: BadScenario[] = [
  {
    name: 'YAML syntax error',
    text: `${HEAD}steps:\n  - sleep: 1s\n    - sleep: 2s\n`,
    errors: [
      'error 6:1 (file): YAML syntax: A block sequence may not be used as an implicit map key',
      'error 6:5 (file): YAML syntax: Implicit keys need to be on a single line',
      'error 6:5 (file): YAML syntax: Implicit map keys need to be followed by map values',
    ],
    hint: 'fix the YAML syntax first; indentation and unquoted colons are the usual causes',
  },
  {
    name: 'misspelt top-level key',
    text: `${HEAD}stpes:\n  - sleep: 1s\n`,
    errors: ['error 1:1 (file): missing required key `steps`', 'error 4:1 stpes: unknown key `stpes`'],
  },
  {
    name: 'misspelt key in a step, with a guess',
    text: `${HEAD}steps:\n  - wiat: {api: down}\n`,
    errors: ['error 5:5 steps[0].wiat: unknown key `wiat`'],
    hint: 'did you mean `wait`?',
  },
  {
    name: 'misspelt key in a condition, with a guess',
    text: `${HEAD}steps:\n  - wait: {apii: down}\n`,
    errors: ['error 5:12 steps[0].wait.apii: unknown key `apii`'],
    hint: 'did you mean `api`?',
  },
  {
    name: 'a name that is not kebab-case',
    text: `name: My_Scenario\ntitle: T\ndescription: d\nsteps:\n  - sleep: 1s\n`,
    errors: [
      'error 1:7 name: expected a kebab-case name such as kube-apiserver-kill: lower-case letters and digits in words joined by single dashes, starting with a letter, got "My_Scenario"',
    ],
  },
  {
    name: 'a duration without its unit',
    text: `${HEAD}steps:\n  - wait: {api: down}\n    timeout: 30\n`,
    errors: ['error 6:14 steps[0].timeout: expected a duration such as 30s, 2m, 1m30s or 500ms (units ms, s, m, h, d), got 30'],
    hint: 'write the number with its unit, such as 30s: a bare number has none',
  },
  {
    name: 'a duration with a unit kubelab does not know',
    text: `${HEAD}steps:\n  - sleep: 5 sec\n`,
    errors: ['error 5:12 steps[0].sleep: expected a duration such as 30s, 2m, 1m30s or 500ms (units ms, s, m, h, d), got "5 sec"'],
  },
  {
    name: 'a duration of zero',
    text: `${HEAD}steps:\n  - sleep: 0s\n`,
    errors: ['error 5:12 steps[0].sleep: "0s" is no time at all'],
  },
  {
    name: 'unknown fault kind, with a guess',
    text: `${HEAD}${CP}steps:\n  - fault: {kind: kil, component: kube-apiserver, node: $cp}\n`,
    errors: [
      'error 7:19 steps[0].fault.kind: expected one of "stop", "crash", "freeze", "partition", "loss", "bandwidth", "delay", "kill", "stop-component", "pause", "disk-fill", "cpu-hog", "mem-hog", "clock", "clock-strobe", "disk-delay", got "kil"',
    ],
    hint: 'did you mean "kill"?',
  },
  {
    name: 'unknown fault option, with a guess, placed on the key',
    text: `${HEAD}${CP}steps:\n  - fault:\n      kind: kill\n      component: kube-apiserver\n      node: $cp\n      fro: 1m\n`,
    errors: ['error 11:7 steps[0].fault.fro: `kill` has no option `fro`'],
    hint: 'did you mean `for`?',
  },
  {
    name: 'a misspelt fault option leaves a required one missing',
    text: `${HEAD}${CP}steps:\n  - fault: {kind: kill, component: kube-apiserver, nod: $cp}\n`,
    errors: ['error 7:12 steps[0].fault: `kill` needs `node`', 'error 7:52 steps[0].fault.nod: `kill` has no option `nod`'],
    hint: 'add `node:` to the fault (Where: nodes, roles or groups (SEL))',
  },
  {
    name: 'fault option of another kind',
    text: `${HEAD}steps:\n  - fault: {kind: bandwidth, rate: 1mbit, from: worker, to: controlplane, node: worker}\n`,
    errors: ['error 5:75 steps[0].fault.node: `bandwidth` has no option `node`'],
    hint: '`bandwidth` takes rate, from, to, one-way, for',
  },
  {
    name: 'fault option of the wrong type',
    text: `${HEAD}steps:\n  - fault: {kind: loss, percent: 20, from: worker, to: etcd, one-way: "yes"}\n`,
    errors: ['error 5:71 steps[0].fault.one-way: expected true or false, got "yes"'],
  },
  {
    name: 'unknown partition shape, with a guess',
    text: `${HEAD}steps:\n  - fault: {kind: partition, shape: halfs, among: etcd}\n`,
    errors: ['error 5:37 steps[0].fault.shape: `partition` knows no shape "halfs"'],
    hint: 'did you mean "halves"?',
  },
  {
    name: 'unknown component, with a guess',
    text: `${HEAD}steps:\n  - fault: {kind: kill, component: kube-apiservr, node: controlplane}\n`,
    errors: ['error 5:36 steps[0].fault.component: `kill` knows no component "kube-apiservr"'],
    hint: 'did you mean "kube-apiserver"?',
  },
  {
    name: 'undo of a wait step',
    text: `${HEAD}steps:\n  - id: down\n    wait: {api: down}\n  - undo: down\n`,
    errors: ['error 7:11 steps[1].undo: `down` is a wait step, not a fault'],
    hint: 'undo names a fault step, or a kubectl step with `revert`; waits and sleeps end by themselves',
  },
  {
    name: 'undo of a later step',
    text: `${HEAD}steps:\n  - undo: stop\n  - id: stop\n    fault: {kind: stop, nodes: worker}\n`,
    errors: ['error 5:11 steps[0].undo: `stop` is a later step (steps[1])'],
    hint: 'an undo comes after the fault it undoes: move it below that step',
  },
  {
    name: 'undo of a step that does not exist, with a guess',
    text: `${HEAD}steps:\n  - id: stop\n    fault: {kind: stop, nodes: worker}\n  - undo: stp\n`,
    errors: ['error 7:11 steps[1].undo: no step has the id `stp`'],
    hint: 'did you mean `stop`?',
  },
  {
    name: 'undefined $variable, with a guess',
    text: `${HEAD}${CP}steps:\n  - wait: {node: $cpp, ready: false}\n`,
    errors: ['error 7:18 steps[0].wait.node: `$cpp` is not defined'],
    hint: 'did you mean `$cp`?',
  },
  {
    name: 'undefined $variable in a selector list, without variables',
    text: `${HEAD}steps:\n  - fault: {kind: stop, nodes: [worker-1, $victim], for: 1m}\n`,
    errors: ['error 5:32 steps[0].fault.nodes: `$victim` is not defined'],
    hint: 'define it under `nodes:` at the top, such as `nodes: {victim: {role: worker}}`',
  },
  {
    name: 'expectation naming a missing step, with a guess',
    text: `${HEAD}steps:\n  - id: kill\n    fault: {kind: kill, component: etcd, node: etcd}\n  - id: up\n    wait: {etcd: leader}\nexpectations:\n  - name: back\n    from: kil\n    to: up\n`,
    errors: ['error 11:11 expectations[0].from: no step has the id `kil`'],
    hint: 'did you mean `kill`?',
  },
  {
    name: 'expectation that ends before it starts',
    text: `${HEAD}steps:\n  - id: a\n    sleep: 1s\n  - id: b\n    sleep: 1s\nexpectations:\n  - name: back\n    from: b\n    to: a\n`,
    errors: ['error 12:9 expectations[0].to: `a` (steps[0]) does not come after `b` (steps[1])'],
  },
  {
    name: 'duplicate step ids',
    text: `${HEAD}steps:\n  - id: a\n    sleep: 1s\n  - id: a\n    sleep: 2s\n`,
    errors: ['error 7:9 steps[1].id: the id `a` is already that of steps[0]'],
    hint: 'give each step its own id: undo and expectations name steps by it',
  },
  {
    name: 'two actions in one step',
    text: `${HEAD}steps:\n  - wait: {api: up}\n    sleep: 5s\n`,
    errors: ['error 5:5 steps[0]: expected a step with exactly one of `fault`, `undo`, `wait`, `sleep` or `kubectl`, got {"wait":{"api":"up"},"sleep":"5s"}'],
    hint: 'split it into one step per action, each its own `- ` item; `id` and `note` may go with any of them',
  },
  {
    name: 'undo of a kubectl step without revert',
    text: `${HEAD}steps:\n  - id: scale\n    kubectl: [scale, deployment/x, --replicas=0]\n  - undo: scale\n`,
    errors: ['error 7:11 steps[1].undo: `scale` is a kubectl step without `revert`, not a fault'],
    hint: 'undo names a fault step, or a kubectl step with `revert`; waits and sleeps end by themselves',
  },
  {
    name: 'a revert without kubectl',
    text: `${HEAD}steps:\n  - sleep: 5s\n    revert: [scale, deployment/x, --replicas=1]\n`,
    errors: ['error 6:5 steps[0].revert: `revert` needs `kubectl` beside it'],
    hint: 'add `kubectl:`, or remove `revert`',
  },
  {
    name: 'a timeout without a wait',
    text: `${HEAD}steps:\n  - sleep: 5s\n    timeout: 1m\n`,
    errors: ['error 6:5 steps[0].timeout: `timeout` needs `wait` beside it'],
    hint: 'add `wait:`, or remove `timeout`',
  },
  {
    name: 'a condition mixing two forms',
    text: `${HEAD}steps:\n  - wait: {node: worker-1, ready: false, taint: node.kubernetes.io/unreachable}\n`,
    errors: ['error 5:11 steps[0].wait: expected one condition, got {"node":"worker-1","ready":false,"taint":"node.kubernetes.io/unreachable"}'],
  },
  {
    name: 'needs a role that is not one, with a guess',
    text: `${HEAD}needs: {workers: 2}\nsteps:\n  - sleep: 1s\n`,
    errors: ['error 4:9 needs.workers: unknown key `workers`'],
    hint: 'did you mean `worker`?',
  },
  {
    name: 'a workload condition without a workload',
    text: `${HEAD}preconditions: [workload-ready]\nsteps:\n  - wait: {workload: ready}\n`,
    errors: [
      'error 4:17 preconditions[0]: `workload-ready` needs a workload, and the scenario has none',
      'error 6:22 steps[0].wait.workload: `workload: ready` needs a workload, and the scenario has none',
    ],
  },
  {
    name: 'a setting kubelab does not read, with a guess',
    text: `${HEAD}steps:\n  - id: a\n    sleep: 1s\n  - id: b\n    sleep: 1s\nexpectations:\n  - name: x\n    from: a\n    to: b\n    atMost: {setting: node-monitor-grace-perid, plus: 20s}\n`,
    errors: [
      'error 13:23 expectations[0].atMost.setting: expected one of "node-monitor-grace-period", "node-monitor-period", "node-status-update-frequency", "node-lease-duration", "etcd-heartbeat-interval", "etcd-election-timeout", "not-ready-toleration", "unreachable-toleration", "leader-lease-duration", "leader-renew-deadline", "leader-retry-period", "endpoint-check-interval", "endpoint-detection-time", "endpoint-recovery-time", got "node-monitor-grace-perid"',
    ],
    hint: 'did you mean "node-monitor-grace-period"?',
  },
];

describe('bad scenarios: each is rejected with its message, line and path', () => {
  test('names are unique', () => assert.equal(new Set(badScenarios.map((b) => b.name)).size, badScenarios.length));

  for (const bad of badScenarios) {
    test(bad.name, () => {
      const problems = rejected(bad.text);
      assert.deepEqual(brief(errorsOf(problems)), bad.errors);
      for (const p of problems) assert.equal(p.file, FILE, 'every problem names the scenario file');
      if (bad.hint !== undefined) assert.equal(errorsOf(problems)[0]?.hint, bad.hint);
    });
  }
});

describe('scenario problems as the user sees them', () => {
  test('the message says scenario, and bad input exits 2', () => {
    try {
      parseScenario(FILE, `${HEAD}steps: []\n`);
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof ScenarioError);
      assert.equal(error.exitCode, EXIT.badInput);
      assert.match(error.message, /^1 problem in the scenario:\n {2}scenario\.yaml:4:8: error: steps: needs at least 1 item\(s\)$/);
    }
  });

  test('an empty file', () => {
    assert.deepEqual(
      rejected('').map((p) => p.message),
      ['the scenario is empty'],
    );
  });

  test('a fault that keeps nodes down and is never undone is a warning, not an error', () => {
    const { warnings } = parseScenario(FILE, `${HEAD}steps:\n  - id: stop\n    fault: {kind: stop, nodes: worker}\n`);
    assert.deepEqual(brief(warningsOf(warnings)), ['warning 6:12 steps[0].fault: `stop` keeps its nodes down after the scenario: no later step undoes it']);
    assert.equal(warnings[0]?.hint, 'add a later step `- undo: stop`, or `for:` to the fault');
  });

  test('the same fault undone later, or with `for`, is no warning', () => {
    const undone = parseScenario(FILE, `${HEAD}steps:\n  - id: stop\n    fault: {kind: stop, nodes: worker}\n  - undo: stop\n`);
    assert.deepEqual(undone.warnings, []);
    const timed = parseScenario(FILE, `${HEAD}steps:\n  - fault: {kind: freeze, nodes: worker, for: 1m}\n`);
    assert.deepEqual(timed.warnings, []);
  });

  test('undoing one fault twice is an error', () => {
    const problems = rejected(`${HEAD}steps:\n  - id: f\n    fault: {kind: cpu-hog, node: worker}\n  - undo: f\n  - undo: f\n`);
    assert.deepEqual(brief(problems), ['error 8:11 steps[2].undo: `f` is undone already, by steps[1]']);
  });

  test('an unknown key in a node pick is reported once, with a guess', () => {
    const problems = rejected(`${HEAD}nodes:\n  cp: {rol: controlplane}\nsteps:\n  - wait: {node: $cp, ready: true}\n`);
    assert.deepEqual(brief(problems), ['error 5:8 nodes.cp.rol: unknown key `rol`']);
    assert.equal(problems[0]?.hint, 'did you mean `role`?');
  });

  test('every fault kind, with its own options, is accepted', () => {
    const steps = [
      '{kind: stop, nodes: [worker-1, $w], for: 1m}',
      '{kind: crash, nodes: "worker,cp", for: 1m}',
      '{kind: freeze, nodes: $w, for: 1m}',
      '{kind: partition, from: $w, to: controlplane, one-way: true}',
      '{kind: loss, percent: 20, from: worker, to: etcd}',
      '{kind: bandwidth, rate: 1mbit, from: worker, to: etcd}',
      '{kind: delay, ms: 100, from: worker, to: etcd}',
      '{kind: kill, component: etcd, node: etcd}',
      '{kind: stop-component, component: docker, node: $w}',
      '{kind: disk-fill, percent: 95, node: $w, path: /var/lib/docker, max: 2G}',
      '{kind: cpu-hog, node: $w, cpus: 2}',
      '{kind: mem-hog, size: 512M, node: $w, for: 30s}',
    ];
    const text = `${HEAD}nodes:\n  w: {role: worker, pick: last}\n  leader: {etcd: leader}\nsteps:\n${steps.map((s) => `  - fault: ${s}\n`).join('')}  - wait: {node: $leader, ready: true}\n`;
    assert.deepEqual(parseScenario(FILE, text).warnings, []);
  });
});

describe('files', () => {
  test('a missing file, a folder, and a file too large', async () => {
    const dir = await tempDir('scenario');
    const messages = async (file: string): Promise<string[]> => {
      const error = await loadScenario(file).then(
        () => assert.fail('accepted'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ScenarioError);
      return error.problems.map((p) => p.message);
    };
    assert.deepEqual(await messages(path.join(dir, 'none.yaml')), ['cannot read the scenario: ENOENT, no such file']);
    assert.deepEqual(await messages(dir), ['cannot read the scenario: EISDIR, it is a folder']);
    const big = path.join(dir, 'big.yaml');
    await fs.writeFile(big, `# ${'x'.repeat(MAX_SCENARIO_BYTES)}\n`);
    assert.match((await messages(big))[0] ?? '', /^the scenario is [0-9]+ bytes; kubelab reads scenarios of at most 262144 bytes/);
  });

  test('findScenario: a near miss of a built-in name gets a guess; a path is read as a file', async () => {
    const error = await findScenario('kube-apiserver-kil').then(
      () => assert.fail('accepted'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof KubelabError);
    assert.equal(error.exitCode, EXIT.badInput);
    assert.equal(error.message, 'no built-in scenario is called "kube-apiserver-kil"');
    assert.match(error.hint ?? '', /^did you mean kube-apiserver-kill\?/);
    const far = await findScenario('nothing-like-it').catch((e: unknown) => e);
    assert.ok(far instanceof KubelabError);
    assert.match(far.hint ?? '', /^the built-in scenarios are .*kube-apiserver-kill/);

    const dir = await tempDir('scenario');
    const file = path.join(dir, 'mine.yml');
    await fs.writeFile(file, `${HEAD}steps:\n  - sleep: 1s\n`);
    assert.equal((await findScenario(file)).doc.name, 't');
  });

  test('listScenarios: a broken file is listed with its problem, and so is a name that is not its file', async () => {
    const dir = await tempDir('scenario');
    await fs.writeFile(path.join(dir, 'broken.yaml'), `${HEAD}steps: []\n`);
    await fs.writeFile(path.join(dir, 'other.yaml'), `${HEAD}steps:\n  - sleep: 1s\n`);
    await fs.writeFile(path.join(dir, 'README.md'), 'not a scenario\n');
    const entries = await listScenarios([dir, path.join(dir, 'missing')]);
    assert.deepEqual(
      entries.map((e) => [e.name, e.problem]),
      [
        ['broken', 'line 4: steps: needs at least 1 item(s)'],
        ['other', 'its name is t, but its file is named other.yaml: `scenario run` finds it by the file'],
      ],
    );
  });
});
