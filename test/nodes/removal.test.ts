import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { installedNodes } from '../../src/cluster/rke.js';
import { KubelabError } from '../../src/errors.js';
import { EXIT } from '../../src/exit-codes.js';
import { recordedMachines } from '../../src/nodes/machine.js';
import { checkAddressesFree, checkRemoval, strayMachines } from '../../src/nodes/removal.js';
import type { Role } from '../../src/vocabulary.js';
import { compileText } from '../support/spec.js';
import { tempDir } from '../support/tmp.js';

const roles = (entries: Record<string, Role[]>): Map<string, { roles: Role[] }> => new Map(Object.entries(entries).map(([name, r]) => [name, { roles: r }]));
const refused = (installed: Map<string, { roles: Role[] }>, removed: string[]): string => {
  try {
    checkRemoval(installed, removed, false);
  } catch (error) {
    assert.ok(error instanceof KubelabError);
    assert.equal(error.exitCode, EXIT.badInput);
    return error.message;
  }
  return '';
};

describe('nodes the spec no longer names', () => {
  test('a removal that leaves etcd fewer than a majority of its members, or no controlplane, is refused unless forced', () => {
    const three = roles({ 'cp-1': ['etcd', 'controlplane'], 'cp-2': ['etcd', 'controlplane'], 'cp-3': ['etcd', 'controlplane'], w: ['worker'] });
    assert.equal(refused(three, ['w']), '');
    assert.equal(refused(three, ['cp-3']), '', 'two of three is a majority');
    assert.match(refused(three, ['cp-2', 'cp-3']), /takes cp-2, cp-3 out of etcd's 3 members, leaving 1, fewer than the 2 a change of members needs/);
    const split = roles({ e: ['etcd'], c: ['controlplane'], w: ['worker'] });
    assert.match(refused(split, ['c']), /takes out every controlplane node \(c\)/);
    assert.doesNotThrow(() => checkRemoval(three, ['cp-2', 'cp-3'], true));
  });

  test("RKE's record of the roles is read from cluster.rkestate; anything else is no record", async () => {
    const dir = await tempDir('rkestate');
    const file = path.join(dir, 'cluster.rkestate');
    await fs.writeJson(file, {
      desiredState: {},
      currentState: {
        rkeConfig: {
          nodes: [
            { address: '192.168.1.2', hostnameOverride: 'cp', role: ['controlplane', 'etcd'] },
            { hostnameOverride: 'w', role: ['worker', 'bogus'] },
            { role: ['worker'] },
          ],
        },
      },
    });
    assert.deepEqual(
      [...((await installedNodes(file)) ?? [])],
      [
        ['cp', { roles: ['controlplane', 'etcd'], address: '192.168.1.2' }],
        ['w', { roles: ['worker'], address: undefined }],
      ],
    );
    await fs.writeFile(file, '{not json');
    assert.equal(await installedNodes(file), undefined);
    assert.equal(await installedNodes(path.join(dir, 'missing')), undefined);
  });

  test('a new node is refused the address of a node leaving the cluster: a group grown from one node renames it', async () => {
    const { model } = await compileText(
      'network: {cidr: 192.168.78.0/24}\nnodes:\n  - {name: cp, roles: [etcd, controlplane]}\n  - {name: worker, count: 2, roles: [worker]}\n',
    );
    const installed = new Map([
      ['cp', { address: '192.168.78.10' }],
      ['worker', { address: '192.168.78.11' }],
    ]);
    const added = model.nodes.filter((n) => n.name.startsWith('worker-'));
    assert.deepEqual(
      added.map((n) => [n.name, n.ip]),
      [
        ['worker-1', '192.168.78.11'],
        ['worker-2', '192.168.78.12'],
      ],
    );
    assert.throws(
      () => checkAddressesFree(installed, ['worker'], added),
      (error: unknown) =>
        error instanceof KubelabError &&
        error.exitCode === EXIT.badInput &&
        /worker-1 would take 192\.168\.78\.11, the address of worker, which the spec no longer names/.test(error.message) &&
        /growing it renames its node.*count: 1/s.test(error.hint ?? ''),
    );
    // Only the new node that clashes: worker-2's address was nobody's.
    assert.doesNotThrow(() => checkAddressesFree(installed, ['worker'], added.slice(1)));
    assert.doesNotThrow(() => checkAddressesFree(installed, [], added));
  });

  test("the machines Vagrant recorded, whatever today's spec names; strays are those it does not", async () => {
    const { model, specFile } = await compileText(
      'name: rec\nprovider: {type: docker}\nnetwork: {cidr: 192.168.78.0/24}\ncni: {plugin: flannel}\nnodes:\n  - {name: cp, roles: [etcd, controlplane, worker]}\n',
    );
    const outDir = path.join(path.dirname(specFile), 'out');
    const record = async (node: string, provider: string, id: string): Promise<void> => {
      await fs.outputFile(path.join(outDir, '.vagrant', 'machines', node, provider, 'id'), id);
    };
    await record('cp', 'docker', 'aaa111');
    await record('worker-3', 'docker', 'bbb222');
    await record('-H=evil', 'docker', 'ccc333');
    await fs.mkdirp(path.join(outDir, '.vagrant', 'machines', 'never-created', 'docker'));
    assert.deepEqual(await recordedMachines(outDir), [
      { node: 'cp', provider: 'docker', id: 'aaa111' },
      { node: 'worker-3', provider: 'docker', id: 'bbb222' },
    ]);
    assert.deepEqual(await strayMachines(outDir, model), [{ node: 'worker-3', provider: 'docker', id: 'bbb222' }]);
  });
});
