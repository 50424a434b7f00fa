import assert from 'node:assert/strict';
import fs from 'fs-extra';
import { describe, test } from 'node:test';
import { parseYaml } from '../../src/input/source.js';
import { validateSchema } from '../../src/spec/validate.js';
import { exampleSpec } from '../support/paths.js';
import { compileText, ONE_NODE, rejectedText, brief } from '../support/spec.js';

function schemaResult(text: string, file = 'kubelab.yaml') {
  return validateSchema(parseYaml(file, text));
}

describe('schema: defaults', () => {
  test('a spec with only nodes gets every default filled in', () => {
    const { spec, problems } = schemaResult(ONE_NODE);
    assert.deepEqual(problems, []);
    assert.deepEqual(spec, {
      name: 'kubelab',
      kubernetesVersion: 'v1.32.5-rancher1-1',
      rke: { version: 'v1.8.5' },
      arch: 'amd64',
      provider: {
        type: 'virtualbox',
        syncedFolder: 'default',
        virtualbox: { linkedClone: true, gui: false },
        libvirt: { driver: 'kvm', storagePool: 'default' },
        docker: { image: 'kubelab/debian-bookworm:latest' },
      },
      network: { cidr: '192.168.56.0/24', interface: 'eth1' },
      defaults: { cpus: 2, memory: '2G' },
      nodes: [{ name: 'a', roles: ['etcd', 'controlplane', 'worker'] }],
      // cni.plugin and images.system have no schema default: normalize resolves them from the provider.
      cni: { options: {} },
      ssh: { user: 'vagrant' },
      registry: { enabled: true, port: 5001, pullThrough: { enabled: true, port: 5002, upstream: 'https://registry-1.docker.io' } },
      // packageCache.enabled has no schema default: normalize resolves it from the provider.
      packageCache: { port: 3143 },
      images: { dir: '.images' },
    });
  });

  test('optional sections get their own defaults only when present', () => {
    const without = schemaResult(ONE_NODE).spec;
    assert.equal(without?.proxy, undefined);
    assert.equal(without?.registryMirror, undefined);
    assert.equal(without?.box, undefined);
    const withThem = schemaResult(`${ONE_NODE}proxy:\n  http: http://p:3128\nregistryMirror:\n  url: https://mirror.example\n`).spec;
    assert.deepEqual(withThem?.proxy, { http: 'http://p:3128', noProxy: [] });
    assert.deepEqual(withThem?.registryMirror, { url: 'https://mirror.example', insecure: false });
  });

  test('values that are given are kept, next to defaults for their siblings', () => {
    const text = `name: lab2\nprovider:\n  type: libvirt\n  libvirt:\n    driver: qemu\ndefaults:\n  cpus: 3\n${ONE_NODE}`;
    const spec = schemaResult(text).spec;
    assert.equal(spec?.name, 'lab2');
    assert.equal(spec?.provider.type, 'libvirt');
    assert.deepEqual(spec?.provider.libvirt, { driver: 'qemu', storagePool: 'default' });
    assert.deepEqual(spec?.defaults, { cpus: 3, memory: '2G' });
  });

  test('validation does not change the parsed document it was given', () => {
    const source = parseYaml('kubelab.yaml', ONE_NODE);
    validateSchema(source);
    assert.deepEqual(source.data, { nodes: [{ name: 'a', roles: ['etcd', 'controlplane', 'worker'] }] });
  });

  test('the example kubelab.yaml is valid', async () => {
    const { spec, problems } = schemaResult(await fs.readFile(exampleSpec, 'utf8'), exampleSpec);
    assert.deepEqual(problems, []);
    // Production-shaped: three etcd+controlplane nodes (kubelab adds the API endpoint's machine) and two workers.
    assert.deepEqual(
      spec?.nodes.map((n) => `${n.name} ×${n.count ?? 1} ${n.roles.join(',')}`),
      ['cp ×3 etcd,controlplane', 'worker ×2 worker'],
    );
  });
});

describe('schema: memory sizes', () => {
  const accepted: [string, number][] = [
    ['2048', 2048],
    ['"2G"', 2048],
    ['2G', 2048],
    ['2g', 2048],
    ['"1536M"', 1536],
    ['"2Gi"', 2048],
    ['"2GiB"', 2048],
    ['"512Mi"', 512],
    ['"1.5G"', 1536],
    ['"4096MB"', 4096],
  ];
  for (const [written, mib] of accepted) {
    test(`memory: ${written} is ${mib} MiB`, async () => {
      const { model } = await compileText(`${ONE_NODE}    memory: ${written}\n`);
      assert.equal(model.nodes[0]?.memoryMiB, mib);
    });
  }

  test('defaults.memory applies to nodes without their own, in any accepted form', async () => {
    const { model } = await compileText(
      'defaults:\n  memory: 3Gi\nnodes:\n  - name: a\n    roles: [etcd, controlplane]\n  - name: b\n    roles: [worker]\n    memory: 1024\n',
    );
    assert.deepEqual(
      model.nodes.map((n) => [n.name, n.memoryMiB]),
      [
        ['a', 3072],
        ['b', 1024],
      ],
    );
  });

  const rejected: [string, string][] = [
    ['"2 gigs"', 'expected a size such as 2048, "2G", "1536M" or "2Gi", got "2 gigs"'],
    ['2T', 'expected a size such as 2048, "2G", "1536M" or "2Gi", got "2T"'],
    ['"2048"', 'expected a size such as 2048, "2G", "1536M" or "2Gi", got "2048"'],
    ['2048.5', 'expected a size such as 2048, "2G", "1536M" or "2Gi", got 2048.5'],
    ['true', 'expected a size such as 2048, "2G", "1536M" or "2Gi", got true'],
  ];
  for (const [written, message] of rejected) {
    test(`memory: ${written} is rejected`, async () => {
      const { problems } = await rejectedText(`${ONE_NODE}    memory: ${written}\n`);
      assert.deepEqual(brief(problems), [`error 4:13 nodes[0].memory: ${message}`]);
    });
  }
});

describe('schema: JSON specs', () => {
  const json = JSON.stringify(
    {
      name: 'jsonlab',
      provider: { type: 'docker' },
      network: { cidr: '192.168.60.0/24' },
      nodes: [
        { name: 'cp', roles: ['etcd', 'controlplane'], memory: '2Gi' },
        { name: 'w', count: 2, roles: ['worker'], memory: 1536 },
      ],
    },
    null,
    2,
  );
  const yaml =
    'name: jsonlab\nprovider:\n  type: docker\nnetwork:\n  cidr: 192.168.60.0/24\nnodes:\n' +
    '  - name: cp\n    roles: [etcd, controlplane]\n    memory: 2Gi\n  - name: w\n    count: 2\n    roles: [worker]\n    memory: 1536\n';

  test('a JSON spec compiles to the same model as the same spec in YAML', async () => {
    const fromJson = await compileText(json, 'kubelab.json');
    const fromYaml = await compileText(yaml, 'kubelab.yaml');
    assert.equal(fromJson.model.specPath, '../kubelab.json');
    assert.deepEqual({ ...fromJson.model, specPath: '' }, { ...fromYaml.model, specPath: '' });
    assert.deepEqual(
      fromJson.model.nodes.map((n) => `${n.name} ${n.ip} ${n.memoryMiB}`),
      ['cp 192.168.60.10 2048', 'w-1 192.168.60.11 1536', 'w-2 192.168.60.12 1536'],
    );
  });

  test('problems in a JSON spec are located on its lines', async () => {
    const bad = json.replace('"memory": 1536', '"memory": "lots"');
    const { problems } = await rejectedText(bad, 'kubelab.json');
    const line = bad.split('\n').findIndex((l) => l.includes('"lots"')) + 1;
    assert.deepEqual(brief(problems), [`error ${line}:17 nodes[1].memory: expected a size such as 2048, "2G", "1536M" or "2Gi", got "lots"`]);
  });
});
