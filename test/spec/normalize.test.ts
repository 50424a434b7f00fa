import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { compileSpec } from '../../src/spec/index.js';
import { compileText, ONE_NODE, writeSpec } from '../support/spec.js';

const names = (model: { nodes: { name: string; ip: string }[] }): string[] => model.nodes.map((n) => `${n.name} ${n.ip}`);

describe('normalize: nodes', () => {
  test('a group with count N becomes NAME-1 … NAME-N, each with the group’s settings', async () => {
    const { model } = await compileText(
      'name: lab\nnodes:\n  - name: cp\n    roles: [controlplane, etcd]\n  - name: worker\n    count: 3\n    roles: [worker]\n    cpus: 4\n    memory: 3G\n    labels: {zone: b, pool: general}\n',
    );
    assert.deepEqual(
      model.nodes.map((n) => [n.name, n.machineName, n.roles.join(','), n.cpus, n.memoryMiB, JSON.stringify(n.labels), n.source.join('.')]),
      [
        ['cp', 'lab-cp', 'etcd,controlplane', 2, 2048, '{}', 'nodes.0'],
        ['worker-1', 'lab-worker-1', 'worker', 4, 3072, '{"pool":"general","zone":"b"}', 'nodes.1'],
        ['worker-2', 'lab-worker-2', 'worker', 4, 3072, '{"pool":"general","zone":"b"}', 'nodes.1'],
        ['worker-3', 'lab-worker-3', 'worker', 4, 3072, '{"pool":"general","zone":"b"}', 'nodes.1'],
      ],
    );
  });

  test('count: 1 still names the node NAME-1; no count keeps NAME', async () => {
    const { model } = await compileText('nodes:\n  - name: a\n    roles: [etcd, controlplane]\n  - name: w\n    count: 1\n    roles: [worker]\n');
    assert.deepEqual(
      model.nodes.map((n) => n.name),
      ['a', 'w-1'],
    );
  });

  test('addresses are assigned from .10 on, in the order of the spec', async () => {
    const { model } = await compileText(
      'nodes:\n  - name: e\n    count: 3\n    roles: [etcd]\n  - name: cp\n    roles: [controlplane]\n  - name: w\n    count: 2\n    roles: [worker]\n',
    );
    assert.deepEqual(names(model), [
      'e-1 192.168.56.10',
      'e-2 192.168.56.11',
      'e-3 192.168.56.12',
      'cp 192.168.56.13',
      'w-1 192.168.56.14',
      'w-2 192.168.56.15',
    ]);
  });

  test('automatic addresses skip explicit ones, even those of nodes declared later', async () => {
    const { model } = await compileText(
      'nodes:\n  - name: a\n    roles: [etcd, controlplane]\n  - name: b\n    count: 3\n    roles: [worker]\n  - name: fixed\n    roles: [worker]\n    ip: 192.168.56.11\n  - name: pair\n    count: 2\n    roles: [worker]\n    ip: 192.168.56.13\n',
    );
    assert.deepEqual(names(model), [
      'a 192.168.56.10',
      'b-1 192.168.56.12',
      'b-2 192.168.56.15',
      'b-3 192.168.56.16',
      'fixed 192.168.56.11',
      'pair-1 192.168.56.13',
      'pair-2 192.168.56.14',
    ]);
  });

  test('the network decides the first address, the netmask and the prefix', async () => {
    const { model } = await compileText(`network:\n  cidr: 10.10.0.0/16\n  interface: enp0s8\n${ONE_NODE}`);
    assert.deepEqual(names(model), ['a 10.10.0.10']);
    assert.deepEqual(model.network, { cidr: '10.10.0.0/16', netmask: '255.255.0.0', prefix: 16, interface: 'enp0s8' });
  });

  test('roles are put in RKE order whatever order the spec lists them in', async () => {
    const { model } = await compileText('nodes:\n  - name: a\n    roles: [worker, etcd, controlplane]\n');
    assert.deepEqual(model.nodes[0]?.roles, ['etcd', 'controlplane', 'worker']);
  });
});

describe('normalize: CNI options', () => {
  const cni = async (plugin: string, options = ''): Promise<Record<string, string>> =>
    (await compileText(`network:\n  interface: ens6\ncni:\n  plugin: ${plugin}\n${options}${ONE_NODE}`)).model.cni.options;

  test('canal is bound to network.interface', async () => {
    assert.deepEqual(await cni('canal'), { canal_iface: 'ens6' });
  });

  test('flannel is bound to network.interface', async () => {
    assert.deepEqual(await cni('flannel'), { flannel_iface: 'ens6' });
  });

  test('calico and none get no interface option', async () => {
    assert.deepEqual(await cni('calico'), {});
    assert.deepEqual(await cni('none'), {});
  });

  test('the user’s options win over kubelab’s, and the rest are merged in key order', async () => {
    const options = await cni('canal', '  options:\n    canal_iface: eth9\n    zz_last: "1"\n    aa_first: x\n');
    assert.deepEqual(options, { aa_first: 'x', canal_iface: 'eth9', zz_last: '1' });
    assert.deepEqual(Object.keys(options), ['aa_first', 'canal_iface', 'zz_last']);
  });

  test('the default interface is eth1', async () => {
    assert.deepEqual((await compileText(ONE_NODE)).model.cni, { plugin: 'canal', options: { canal_iface: 'eth1' } });
  });
});

describe('normalize: system images and the CNI default', () => {
  const resolved = async (text: string): Promise<[string, string | undefined, string, Record<string, string>]> => {
    const { model } = await compileText(`${text}${ONE_NODE}`);
    return [model.images.system, model.images.kitTarball, model.cni.plugin, model.cni.options];
  };

  test('docker runs offline from the kit, with flannel; its tarball is named after the Kubernetes version', async () => {
    assert.deepEqual(await resolved('provider:\n  type: docker\n'), ['kit', 'kubelab-kit-v1.32.5-rancher1-1.tar.gz', 'flannel', { flannel_iface: 'eth1' }]);
    assert.deepEqual(await resolved('kubernetesVersion: v1.32.2-rancher1-1\nprovider:\n  type: docker\n'), [
      'kit',
      'kubelab-kit-v1.32.2-rancher1-1.tar.gz',
      'flannel',
      { flannel_iface: 'eth1' },
    ]);
  });

  test('virtualbox and libvirt pull RKE’s images, with canal as before', async () => {
    assert.deepEqual(await resolved(''), ['rancher', undefined, 'canal', { canal_iface: 'eth1' }]);
    assert.deepEqual(await resolved('provider:\n  type: libvirt\n'), ['rancher', undefined, 'canal', { canal_iface: 'eth1' }]);
  });

  test('images.system given in the spec wins over the provider’s default, and decides the CNI default', async () => {
    assert.deepEqual(await resolved('provider:\n  type: docker\nimages:\n  system: rancher\n'), ['rancher', undefined, 'canal', { canal_iface: 'eth1' }]);
    assert.deepEqual(await resolved('images:\n  system: kit\n'), ['kit', 'kubelab-kit-v1.32.5-rancher1-1.tar.gz', 'flannel', { flannel_iface: 'eth1' }]);
  });

  test('cni.plugin given in the spec is kept whatever the images', async () => {
    assert.deepEqual(await resolved('provider:\n  type: docker\ncni:\n  plugin: none\n'), ['kit', 'kubelab-kit-v1.32.5-rancher1-1.tar.gz', 'none', {}]);
    assert.deepEqual(await resolved('cni:\n  plugin: flannel\n'), ['rancher', undefined, 'flannel', { flannel_iface: 'eth1' }]);
  });
});

describe('normalize: proxy and registry mirror', () => {
  test('noProxy lists the user’s hosts, then the nodes, the private network and the cluster ranges, once each', async () => {
    const { model } = await compileText(
      'network:\n  cidr: 192.168.57.0/24\nnodes:\n  - name: cp\n    roles: [etcd, controlplane]\n  - name: w\n    count: 2\n    roles: [worker]\nproxy:\n  http: http://proxy:3128\n  noProxy: [.corp, localhost]\n',
    );
    assert.deepEqual(model.proxy, {
      http: 'http://proxy:3128',
      https: undefined,
      noProxy: [
        '.corp',
        'localhost',
        '127.0.0.1',
        '192.168.57.0/24',
        'cp',
        '192.168.57.10',
        'w-1',
        '192.168.57.11',
        'w-2',
        '192.168.57.12',
        '10.42.0.0/16',
        '10.43.0.0/16',
        '.svc',
        '.cluster.local',
      ],
    });
  });

  test('no proxy section, no proxy', async () => {
    assert.equal((await compileText(ONE_NODE)).model.proxy, undefined);
  });

  test('the registry mirror’s host (with port) is what Docker’s insecure-registries needs', async () => {
    const { model } = await compileText(`${ONE_NODE}registryMirror:\n  url: http://registry.lab:5001/\n  insecure: true\n`);
    assert.deepEqual(model.registryMirror, { url: 'http://registry.lab:5001/', host: 'registry.lab:5001', insecure: true });
  });
});

describe('normalize: provider, box and paths', () => {
  const provider = async (text: string) => (await compileText(`${text}${ONE_NODE}`)).model.provider;

  test('virtualbox and libvirt get a default box per architecture; docker gets none', async () => {
    assert.equal((await provider('')).box, 'bento/debian-12');
    assert.equal((await provider('arch: arm64\n')).box, 'bento/debian-12-arm64');
    assert.equal((await provider('provider:\n  type: libvirt\n')).box, 'kubelab/debian-bookworm');
    assert.equal((await provider('provider:\n  type: docker\n')).box, undefined);
    assert.equal((await provider('box: my/box\nprovider:\n  type: libvirt\n')).box, 'my/box');
  });

  test('synced folder type: rsync and nfs are passed on, default leaves it to the provider', async () => {
    assert.equal((await provider('')).syncedFolderType, undefined);
    assert.equal((await provider('provider:\n  syncedFolder: rsync\n')).syncedFolderType, 'rsync');
    assert.equal((await provider('provider:\n  syncedFolder: nfs\n')).syncedFolderType, 'nfs');
    // vagrant-libvirt's own default, NFS, needs a server on the host: rsync is what works anywhere.
    assert.equal((await provider('provider:\n  type: libvirt\n')).syncedFolderType, 'rsync');
  });

  test("the SSH key is kubelab's own under .kubelab/ssh/, or the one ssh.privateKey names, relative to the output folder", async () => {
    const { model: own } = await compileText(ONE_NODE);
    assert.deepEqual(own.ssh, { user: 'vagrant', privateKeyPath: '.kubelab/ssh/id_ed25519', publicKeyPath: '.kubelab/ssh/id_ed25519.pub', managed: true });
    const specFile = await writeSpec(`ssh:\n  user: admin\n  privateKey: keys/lab\n${ONE_NODE}`, 'lab.yaml');
    const { model } = await compileSpec(specFile, path.join(path.dirname(specFile), 'out'));
    assert.deepEqual(model.ssh, { user: 'admin', privateKeyPath: '../keys/lab', publicKeyPath: '../keys/lab.pub', managed: false });
  });

  test('spec path and images folder are relative to the output folder, in POSIX form', async () => {
    const specFile = await writeSpec(`images:\n  dir: cache/images\n${ONE_NODE}`, 'lab.yaml');
    const root = path.dirname(specFile);
    const { model } = await compileSpec(specFile, path.join(root, 'build', 'lab'));
    assert.equal(model.specPath, '../../lab.yaml');
    assert.deepEqual(model.images, {
      hostDir: '../../cache/images',
      delivery: 'registry',
      guestDir: '/kubelab/images',
      system: 'rancher',
      kitTarball: undefined,
    });
  });

  test('an output folder that is the spec’s own folder gives plain relative paths', async () => {
    const specFile = await writeSpec(ONE_NODE, 'kubelab.yaml');
    const { model } = await compileSpec(specFile, path.dirname(specFile));
    assert.equal(model.specPath, 'kubelab.yaml');
    assert.equal(model.images.hostDir, '.images');
  });

  test('syncedFolder none turns image preloading off', async () => {
    const { model } = await compileText(`provider:\n  syncedFolder: none\nregistry:\n  enabled: false\n${ONE_NODE}`);
    assert.equal(model.images.delivery, 'none');
    // The folder is still where kubelab looks for tarballs on the host.
    assert.equal(model.images.hostDir, '../.images');
  });

  test('the spec file is only read: compiling twice gives the same model', async () => {
    const specFile = await writeSpec(ONE_NODE);
    const before = await fs.readFile(specFile, 'utf8');
    const out = path.join(path.dirname(specFile), 'out');
    assert.deepEqual(await compileSpec(specFile, out), await compileSpec(specFile, out));
    assert.equal(await fs.readFile(specFile, 'utf8'), before);
  });
});

describe('normalize: services on the host', () => {
  const hostServices = async (text: string) => (await compileText(`${text}${ONE_NODE}`)).model.hostServices;
  const delivery = async (text: string) => (await compileText(`${text}${ONE_NODE}`)).model.images.delivery;

  test('VM providers get the lab registry, its pull-through cache and the package cache, at the network’s first address', async () => {
    const all = {
      address: '192.168.56.1',
      registry: { port: 5001 },
      pullThrough: { port: 5002, upstream: 'https://registry-1.docker.io' },
      packageCache: { port: 3143 },
    };
    assert.deepEqual(await hostServices(''), all);
    assert.deepEqual(await hostServices('provider:\n  type: virtualbox\n'), all);
    assert.deepEqual(await hostServices('provider:\n  type: libvirt\n'), all);
  });

  test('docker gets the registries but no package cache, unless the spec asks for one', async () => {
    assert.deepEqual(await hostServices('provider:\n  type: docker\n'), {
      address: '192.168.56.1',
      registry: { port: 5001 },
      pullThrough: { port: 5002, upstream: 'https://registry-1.docker.io' },
      packageCache: undefined,
    });
    assert.deepEqual((await hostServices('provider:\n  type: docker\npackageCache:\n  enabled: true\n')).packageCache, { port: 3143 });
    assert.equal((await hostServices('packageCache:\n  enabled: false\n')).packageCache, undefined);
  });

  test('the address follows network.cidr; ports and upstream are taken from the spec', async () => {
    assert.deepEqual(
      await hostServices(
        'network:\n  cidr: 10.10.0.0/16\nregistry:\n  port: 6000\n  pullThrough:\n    port: 6001\n    upstream: https://mirror.gcr.io\npackageCache:\n  port: 6002\n',
      ),
      {
        address: '10.10.0.1',
        registry: { port: 6000 },
        pullThrough: { port: 6001, upstream: 'https://mirror.gcr.io' },
        packageCache: { port: 6002 },
      },
    );
  });

  test('the lab registry off turns its pull-through cache off too; the cache can be turned off alone', async () => {
    const off = await hostServices('registry:\n  enabled: false\n');
    assert.equal(off.registry, undefined);
    assert.equal(off.pullThrough, undefined, 'pullThrough.enabled defaults to true, but needs the registry');
    assert.deepEqual(off.packageCache, { port: 3143 }, 'the package cache does not depend on the registry');
    const explicit = await hostServices('registry:\n  enabled: false\n  pullThrough:\n    enabled: true\n');
    assert.equal(explicit.pullThrough, undefined);
    const noCache = await hostServices('registry:\n  pullThrough:\n    enabled: false\n');
    assert.deepEqual([noCache.registry, noCache.pullThrough], [{ port: 5001 }, undefined]);
  });

  test('images reach the nodes through the registry, as shared tarballs with it off, or not at all without a shared folder', async () => {
    assert.equal(await delivery(''), 'registry');
    assert.equal(await delivery('provider:\n  type: docker\n'), 'registry');
    // The registry needs no shared folder.
    assert.equal(await delivery('provider:\n  syncedFolder: none\n'), 'registry');
    assert.equal(await delivery('registry:\n  enabled: false\n'), 'tarballs');
    assert.equal(await delivery('provider:\n  syncedFolder: rsync\nregistry:\n  enabled: false\n'), 'tarballs');
    assert.equal(await delivery('provider:\n  syncedFolder: none\nregistry:\n  enabled: false\n'), 'none');
    // The pull-through cache alone delivers nothing: the tarballs go to the lab registry.
    assert.equal(await delivery('registry:\n  pullThrough:\n    enabled: false\n'), 'registry');
  });
});
