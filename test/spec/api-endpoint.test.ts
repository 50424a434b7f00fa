import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { brief, compileText, errorsOf, rejectedText } from '../support/spec.js';

/** The lab's API endpoint: when kubelab adds it, where it sits, and the specs it refuses. */

const CP3 = 'nodes:\n  - name: cp\n    count: 3\n    roles: [etcd, controlplane]\n  - name: worker\n    roles: [worker]\n';

describe('the API endpoint in the model', () => {
  test('two or more controlplane nodes get a loadbalancer machine, lb, at .9, in front of every one of them', async () => {
    const { model } = await compileText(CP3);
    assert.deepEqual(
      model.nodes.map((n) => `${n.name} ${n.ip} ${n.roles.join(',')}`),
      [
        'cp-1 192.168.56.10 etcd,controlplane',
        'cp-2 192.168.56.11 etcd,controlplane',
        'cp-3 192.168.56.12 etcd,controlplane',
        'worker 192.168.56.13 worker',
        'lb 192.168.56.9 loadbalancer',
      ],
    );
    assert.equal(model.nodes.at(-1)?.machineName, 'kubelab-lb');
    assert.deepEqual(model.apiEndpoint && { ...model.apiEndpoint, check: undefined }, {
      node: 'lb',
      address: '192.168.56.9',
      port: 6443,
      backends: [
        { name: 'cp-1', ip: '192.168.56.10' },
        { name: 'cp-2', ip: '192.168.56.11' },
        { name: 'cp-3', ip: '192.168.56.12' },
      ],
      check: undefined,
    });
    assert.equal(model.apiEndpoint?.check.path, '/readyz');
  });

  test('one controlplane node gets none, unless the spec declares one; a declared one keeps its name and address', async () => {
    const single = await compileText('nodes:\n  - name: a\n    roles: [etcd, controlplane, worker]\n');
    assert.equal(single.model.apiEndpoint, undefined);
    assert.deepEqual(
      single.model.nodes.map((n) => n.name),
      ['a'],
    );
    const declared = await compileText('nodes:\n  - name: a\n    roles: [etcd, controlplane, worker]\n  - name: api\n    roles: [loadbalancer]\n');
    assert.equal(declared.model.apiEndpoint?.node, 'api');
    assert.equal(declared.model.apiEndpoint?.address, '192.168.56.9', 'at .9 without an ip, whatever its place in the list');
    assert.equal(declared.model.nodes[0]?.ip, '192.168.56.10', 'the nodes keep their addresses');
    const placed = await compileText(`${CP3}  - name: api\n    roles: [loadbalancer]\n    ip: 192.168.56.200\n    memory: 256M\n`);
    assert.equal(placed.model.apiEndpoint?.address, '192.168.56.200');
    assert.deepEqual(
      placed.model.nodes.filter((n) => n.roles.includes('loadbalancer')).map((n) => `${n.name} ${n.memoryMiB}`),
      ['api 256'],
      'no second one is added',
    );
  });

  test('adding a worker moves no address: the endpoint, which every certificate names, stays at .9', async () => {
    const before = await compileText(CP3);
    const after = await compileText(CP3.replace('  - name: worker\n    roles: [worker]\n', '  - name: worker\n    count: 2\n    roles: [worker]\n'));
    assert.equal(after.model.apiEndpoint?.address, before.model.apiEndpoint?.address);
  });
});

describe('specs the endpoint refuses, each with the fix', () => {
  const cases: { name: string; text: string; errors: string[]; hint: RegExp }[] = [
    {
      name: 'a loadbalancer with other roles',
      text: `${CP3}  - name: api\n    roles: [loadbalancer, worker]\n`,
      errors: ["error 8:12 nodes[2].roles: api has the loadbalancer role and worker: the endpoint's machine runs haproxy only, and is no Kubernetes node"],
      hint: /roles: \[loadbalancer\]/,
    },
    {
      name: 'two loadbalancers',
      text: `${CP3}  - name: api\n    count: 2\n    roles: [loadbalancer]\n`,
      errors: ['error 9:12 nodes[2].roles: 2 nodes have the loadbalancer role (api-1, api-2); a lab has one API endpoint'],
      hint: /keep one node/,
    },
    {
      name: 'an endpoint with no controlplane behind it',
      text: 'nodes:\n  - name: a\n    roles: [etcd, worker]\n  - name: api\n    roles: [loadbalancer]\n',
      errors: [
        'error 2:3 nodes: no node has the controlplane role; RKE needs at least one',
        'error 5:12 nodes[1].roles: the API endpoint api has no controlplane node behind it',
      ],
      hint: /controlplane role/,
    },
    {
      name: "a node named lb where kubelab adds the endpoint's machine",
      text: `${CP3}  - name: lb\n    roles: [worker]\n`,
      errors: ["error 7:11 nodes[2].name: the lab has 3 controlplane nodes, so kubelab adds the API endpoint's machine, named lb; node lb has that name"],
      hint: /rename node lb, or declare the endpoint yourself/,
    },
    {
      name: "a node at the endpoint's address",
      text: `${CP3}  - name: db\n    roles: [worker]\n    ip: 192.168.56.9\n`,
      errors: ['error 9:9 nodes[2].ip: db has IP 192.168.56.9, the address kubelab gives the API endpoint (lb) of a lab with several controlplane nodes'],
      hint: /give db another address/,
    },
    {
      name: "an endpoint at another node's address",
      text: `${CP3}  - name: db\n    roles: [worker]\n    ip: 192.168.56.30\n  - name: api\n    roles: [loadbalancer]\n    ip: 192.168.56.30\n`,
      errors: ['error 12:9 nodes[3].ip: api has IP 192.168.56.30, which db already has'],
      hint: /its own address/,
    },
    {
      name: "an endpoint at the host's address, where the registry listens",
      text: `${CP3}  - name: api\n    roles: [loadbalancer]\n    ip: 192.168.56.1\n`,
      errors: ["error 9:9 nodes[2].ip: api's IP 192.168.56.1 is the network, broadcast or host address of 192.168.56.0/24"],
      hint: /\.2/,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { problems } = await rejectedText(c.text);
      const errors = errorsOf(problems);
      assert.deepEqual(brief(errors), c.errors);
      assert.match(errors.at(-1)?.hint ?? '', c.hint);
    });
  }
});
