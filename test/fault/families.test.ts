/**
 * The fault families as a registry: every kind belongs to exactly one family, the CLI offers
 * every kind and every recovery, and every kind can be asked for, described, planned and swept.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeFault } from '../../src/fault/describe.js';
import { FaultInputError } from '../../src/fault/errors.js';
import { FAMILIES, FAULT_KINDS, familyOf, kindCommand, recoveryOf, sweepScript, type AnyFamily } from '../../src/fault/families/index.js';
import type { CliValues } from '../../src/fault/family.js';
import type { FaultKind, FaultParams } from '../../src/fault/types.js';
import { kubelab } from '../support/cli.js';
import { LAB, record } from '../support/fault-fixtures.js';
import { tempDir } from '../support/tmp.js';

const families = FAMILIES as readonly AnyFamily[];

/** A command line per kind, as yargs hands it over (the compiler asks for one per kind). */
const COMMAND_LINES: Record<FaultKind, CliValues> = {
  stop: { nodes: ['cp'] },
  crash: { nodes: ['worker'] },
  freeze: { nodes: ['etcd,cp'] },
  partition: { from: 'worker', to: 'cp', 'one-way': false },
  loss: { percent: '30', from: 'worker-1', to: 'cp', 'one-way': true, port: 'etcd-peer' },
  bandwidth: { rate: '1mbit', from: 'worker-1', to: 'worker-2', 'one-way': true },
  delay: { ms: '100', from: 'cp', to: 'etcd', 'one-way': false },
  kill: { component: 'kube-apiserver', node: 'controlplane' },
  'stop-component': { component: 'docker', node: 'worker-1' },
  pause: { component: 'etcd', node: 'etcd' },
  'disk-fill': { percent: '90', path: '/mnt//x', max: '1G', node: 'cp' },
  'cpu-hog': { cpus: 2, node: 'all' },
  'mem-hog': { size: '256M', node: 'worker-2' },
  clock: { offset: '-90s', node: 'cp' },
  'clock-strobe': { offset: '+2s', period: '500ms', node: 'worker' },
  'disk-delay': { delay: '100ms', node: 'etcd' },
};

const DESCRIPTIONS: Record<FaultKind, string> = {
  stop: 'stop cp',
  crash: 'crash worker-1, worker-2',
  freeze: 'freeze etcd, cp',
  partition: 'partition worker-1,worker-2 <-> cp',
  loss: 'loss 30% worker-1 -> cp port 2380',
  bandwidth: 'bandwidth 1mbit worker-1 -> worker-2',
  delay: 'delay 100ms cp <-> etcd',
  kill: 'kill kube-apiserver on cp',
  'stop-component': 'stop-component docker on worker-1',
  pause: 'pause etcd on etcd',
  'disk-fill': 'disk-fill /mnt/x to 90% on cp',
  'cpu-hog': 'cpu-hog 2 CPU(s) on etcd, cp, worker-1, worker-2',
  'mem-hog': 'mem-hog 256MiB on worker-2',
  clock: 'clock -1m30s on cp',
  'clock-strobe': 'clock-strobe +2s every 500ms on worker-1, worker-2',
  'disk-delay': 'disk-delay 100ms on etcd',
};

describe('fault families', () => {
  test('every kind belongs to exactly one family, and has exactly one command there', () => {
    const owners = new Map<string, string[]>();
    for (const family of families) for (const kind of family.kinds) owners.set(kind, [...(owners.get(kind) ?? []), family.name]);
    for (const [kind, names] of owners) assert.equal(names.length, 1, `${kind} is in ${names.join(' and ')}`);
    assert.deepEqual([...owners.keys()], [...FAULT_KINDS]);
    assert.equal(new Set(FAULT_KINDS).size, FAULT_KINDS.length);
    for (const family of families) {
      assert.deepEqual(
        family.commands.map((c) => c.kind),
        [...family.kinds],
        `${family.name}: one command per kind, in order`,
      );
      for (const kind of family.kinds) assert.equal(familyOf(kind), family);
    }
    assert.deepEqual(Object.keys(COMMAND_LINES).sort(), [...FAULT_KINDS].sort());
  });

  test('each recovery undoes kinds of its own family only', () => {
    for (const family of families) {
      for (const recovery of family.recoveries ?? []) {
        assert.equal(recoveryOf(recovery.name).family, family);
        for (const kind of recovery.undoes) assert.ok(family.kinds.includes(kind), `${recovery.name} undoes ${kind}`);
      }
    }
  });

  test('every kind is parsed from its command line, targeted, described and planned', () => {
    for (const family of families) {
      for (const command of family.commands) {
        const params = command.parse(COMMAND_LINES[command.kind], LAB);
        assert.equal(params.kind, command.kind);
        const fault = record(params, 7, 60_000);
        assert.equal(describeFault(fault), DESCRIPTIONS[command.kind]);
        const steps = family.plan(fault, { lab: LAB, forMs: 60_000 });
        assert.ok(steps.length > 0, `${command.kind} does something`);
        for (const step of steps) {
          assert.ok(fault.targets.includes(step.node), `${command.kind} acts on its targets only`);
          assert.equal(step.inject.type, step.undo.type, `${command.kind}: undone the way it is done`);
          assert.equal(step.inject.type === 'machine', family.scope === 'machine', `${command.kind}: its scope says how it is done`);
        }
      }
    }
  });

  test('--port takes a number or a component port, on the kinds that drop packets on arrival only', () => {
    const partition = kindCommand('partition')!.command;
    const values = { from: 'etcd', to: 'cp', 'one-way': false };
    const portOf = (params: FaultParams): number | undefined => ('port' in params ? params.port : undefined);
    assert.equal(portOf(partition.parse({ ...values, port: '10250' }, LAB)), 10250);
    assert.equal(portOf(partition.parse({ ...values, port: 'kube-apiserver' }, LAB)), 6443);
    assert.equal(portOf(partition.parse(values, LAB)), undefined);
    for (const bad of ['0', '65536', 'etcd', '80a']) {
      assert.throws(
        () => partition.parse({ ...values, port: bad }, LAB),
        (e: unknown) => e instanceof FaultInputError && /^--port: .* is not a port$/.test(e.message) && /etcd-peer \(2380\)/.test(e.hint ?? ''),
        bad,
      );
    }
    // tc shapes whole directions: the option is not theirs.
    for (const kind of ['bandwidth', 'delay']) assert.equal(kindCommand(kind)!.command.options?.port, undefined, kind);
  });

  test("the sweep holds every family's own sweep", () => {
    const sweep = sweepScript(LAB);
    for (const family of families) if (family.sweep) assert.ok(sweep.includes(family.sweep(LAB).trim()), family.name);
    assert.match(sweep, /KUBELAB-IN/);
    assert.match(sweep, /\/run\/kubelab-faults/);
  });

  test('kubelab fault offers every kind and every recovery, each with its own help', async () => {
    const dir = await tempDir('fault-families');
    const top = await kubelab(dir, ['fault', '--help']);
    assert.equal(top.code, 0, top.stderr);
    const offered = [...top.stdout.matchAll(/^ {2}kubelab fault ([a-z-]+)/gm)].map((m) => m[1]);
    const recoveries = families.flatMap((f) => (f.recoveries ?? []).map((r) => r.name));
    for (const name of [...FAULT_KINDS, ...recoveries]) assert.ok(offered.includes(name), `kubelab fault --help lists ${name}:\n${top.stdout}`);
    for (const family of families) assert.ok(top.stdout.replace(/\s+/g, ' ').includes(family.summary), `the summary names what ${family.name} faults do`);
    for (const kind of FAULT_KINDS) {
      const help = await kubelab(dir, ['fault', kind, '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.ok(help.stdout.includes(familyOf(kind).commands.find((c) => c.kind === kind)!.describe), `${kind} --help describes it`);
    }
  });
});
