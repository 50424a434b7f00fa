/**
 * How kubelab logs in to a node: each node carries its own ssh access in the model and in the fault
 * state; state written before nodes had it still reaches them the old way (the lab's user and key,
 * port 22, the private address).
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { labAccess } from '../../src/lab/access.js';
import { readState, statePath } from '../../src/lab/state.js';
import { labNodes } from '../../src/nodes/node.js';
import { sshArgs } from '../../src/nodes/ssh.js';
import { LAB } from '../support/fault-fixtures.js';
import { compileText, ONE_NODE } from '../support/spec.js';
import { tempDir } from '../support/tmp.js';

describe('node access', () => {
  test("every node of a lab kubelab makes is reached on its private address, port 22, as the lab's user with the lab's key", async () => {
    const { model } = await compileText(ONE_NODE);
    const access = labAccess(model);
    assert.deepEqual(
      access.nodes.map((n) => n.ssh),
      model.nodes.map((n) => ({ host: n.ip, port: 22, user: model.ssh.user, key: model.ssh.privateKeyPath })),
    );
    const [node] = labNodes('/lab/out', access);
    assert.deepEqual(node!.ssh, { host: model.nodes[0]!.ip, port: 22, user: model.ssh.user, key: path.resolve('/lab/out', model.ssh.privateKeyPath) });
  });

  test('a node with access of its own is reached there; ssh is told the port', () => {
    const own = { ...LAB, nodes: [{ ...LAB.nodes[0]!, ssh: { host: '203.0.113.7', port: 2222, user: 'admin', key: 'keys/etcd' } }] };
    const [node] = labNodes('/lab/out', own);
    assert.deepEqual(node!.ssh, { host: '203.0.113.7', port: 2222, user: 'admin', key: '/lab/out/keys/etcd' });
    const args = sshArgs(node!.ssh, 5);
    assert.deepEqual(args.slice(-3), ['-p', '2222', 'admin@203.0.113.7']);
    assert.deepEqual(args.slice(0, 2), ['-i', '/lab/out/keys/etcd']);
  });

  test('fault state written before nodes had their own access still reads, and reaches them as before', async () => {
    const outDir = await tempDir('old-state');
    await fs.outputJson(statePath(outDir), { version: 1, nextId: 1, lab: LAB, faults: [] });
    const { lab } = await readState(outDir);
    assert.ok(lab);
    const nodes = labNodes(outDir, lab);
    assert.deepEqual(nodes[1]!.ssh, { host: '192.168.56.11', port: 22, user: 'vagrant', key: path.join(outDir, '.kubelab/ssh/id_ed25519') });
  });
});
