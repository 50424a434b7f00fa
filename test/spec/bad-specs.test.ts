import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KIT_KUBERNETES_VERSIONS, RKE_KUBERNETES_VERSIONS } from '../../src/kit/components.js';
import { brief, compileText, errorsOf, ONE_NODE, rejectedText, warningsOf } from '../support/spec.js';

/**
 * Each bad spec with every error it must produce, as `error LINE:COLUMN PATH: MESSAGE`, and
 * optionally the hint of the first. Warnings a bad spec also gets are checked elsewhere.
 */
interface BadSpec {
  name: string;
  text: string;
  file?: string;
  errors: string[];
  hint?: string;
}

const ALL = '[etcd, controlplane, worker]';
const node = (extra = ''): string => `nodes:\n  - name: a\n    roles: ${ALL}\n${extra}`;
const DOCKER = 'provider:\n  type: docker\n';
const RANCHER = "`images.system: rancher` to pull RKE's published images (the nodes need internet)";
/** Added to a kit hint when the spec did not ask for the kit: the docker provider chose it. */
const BY_DEFAULT = '; the docker provider uses the kit unless images.system says otherwise';

const badSpecs: BadSpec[] = [
  // wrong types
  { name: 'cpus as a word', text: node('    cpus: two\n'), errors: ['error 4:11 nodes[0].cpus: expected an integer, got "two"'] },
  { name: 'nodes as a mapping', text: 'nodes: {}\n', errors: ['error 1:8 nodes: expected a list, got {}'] },
  {
    name: 'boolean written as a word',
    text: `provider:\n  virtualbox:\n    gui: "yes"\n${ONE_NODE}`,
    errors: ['error 3:10 provider.virtualbox.gui: expected a boolean, got "yes"'],
  },
  { name: 'a list instead of a mapping', text: '- a\n- b\n', errors: ['error 1:1 (file): expected a mapping, got ["a","b"]'] },
  { name: 'cpus out of range', text: node('    cpus: 0\n'), errors: ['error 4:11 nodes[0].cpus: 0 is out of range: must be >= 1'] },
  { name: 'count out of range', text: node('    count: 0\n'), errors: ['error 4:12 nodes[0].count: 0 is out of range: must be >= 1'] },
  {
    name: 'name not a host name',
    text: `name: My Lab\n${ONE_NODE}`,
    errors: ['error 1:7 name: expected lower-case letters, digits and dashes, starting with a letter, at most 32 characters, got "My Lab"'],
  },
  { name: 'missing nodes', text: 'name: lab\n', errors: ['error 1:1 (file): missing required key `nodes`'] },

  // unknown keys, with a guess
  {
    name: 'misspelt top-level key',
    text: `kubernetesVerison: v1.32.5-rancher1-1\n${ONE_NODE}`,
    errors: ['error 1:1 kubernetesVerison: unknown key `kubernetesVerison`'],
    hint: 'did you mean `kubernetesVersion`?',
  },
  { name: 'misspelt node key', text: node('    memroy: 2G\n'), errors: ['error 4:5 nodes[0].memroy: unknown key `memroy`'], hint: 'did you mean `memory`?' },
  {
    name: 'misspelt key of a section, placed on the key and not on the block after it',
    text: `provder:\n  type: docker\n${ONE_NODE}`,
    errors: ['error 1:1 provder: unknown key `provder`'],
    hint: 'did you mean `provider`?',
  },
  {
    name: 'label key Kubernetes does not allow',
    text: node('    labels:\n      zone: a\n      -bad: x\n'),
    errors: [
      "error 6:7 nodes[0].labels.-bad: key `-bad`: expected a label key such as kubelab.dev/pool: an optional DNS prefix and a slash, then letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
    ],
  },
  {
    name: 'label value Kubernetes does not allow',
    text: node('    labels:\n      zone: a b\n'),
    errors: [
      "error 5:13 nodes[0].labels.zone: expected a label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, got \"a b\"",
    ],
  },

  // roles
  {
    name: 'no etcd node',
    text: 'nodes:\n  - name: a\n    roles: [controlplane, worker]\n',
    errors: ['error 2:3 nodes: no node has the etcd role; RKE needs at least one'],
    hint: 'add `etcd` to the roles of a node',
  },
  {
    name: 'no controlplane node',
    text: 'nodes:\n  - name: a\n    roles: [etcd, worker]\n',
    errors: ['error 2:3 nodes: no node has the controlplane role; RKE needs at least one'],
  },
  {
    name: 'no worker node',
    text: 'nodes:\n  - name: a\n    roles: [etcd, controlplane]\n',
    errors: ['error 2:3 nodes: no node has the worker role; RKE needs at least one'],
  },
  {
    name: 'unknown role',
    text: 'nodes:\n  - name: a\n    roles: [etcd, master, worker]\n',
    errors: ['error 3:19 nodes[0].roles[1]: expected one of "etcd", "controlplane", "worker", "loadbalancer", got "master"'],
  },
  {
    name: 'misspelt role',
    text: 'nodes:\n  - name: a\n    roles: [etcd, controlplane, wroker]\n',
    errors: ['error 3:33 nodes[0].roles[2]: expected one of "etcd", "controlplane", "worker", "loadbalancer", got "wroker"'],
    hint: 'did you mean "worker"?',
  },
  { name: 'empty roles', text: 'nodes:\n  - name: a\n    roles: []\n', errors: ['error 3:12 nodes[0].roles: needs at least 1 item(s)'] },

  // names and addresses
  {
    name: 'duplicate node names',
    text: `nodes:\n  - name: a\n    roles: ${ALL}\n  - name: a\n    roles: [worker]\n`,
    errors: ['error 4:11 nodes[1].name: duplicate node name a'],
  },
  {
    name: 'a node named like a member of a group',
    text: `nodes:\n  - name: cp\n    roles: [etcd, controlplane]\n  - name: worker\n    count: 2\n    roles: [worker]\n  - name: worker-2\n    roles: [worker]\n`,
    errors: ['error 7:11 nodes[2].name: duplicate node name worker-2'],
    hint: 'every node (and every NAME-N of a group) needs its own name',
  },
  {
    name: 'a node named localhost',
    text: `nodes:\n  - name: localhost\n    roles: ${ALL}\n`,
    errors: ['error 2:11 nodes[0].name: a node cannot be named localhost: every machine resolves localhost to itself (127.0.0.1, ::1)'],
    hint: 'give the node a name of its own, such as cp or worker',
  },
  {
    name: "a node named like a line of Debian's /etc/hosts",
    text: `nodes:\n  - name: a\n    roles: ${ALL}\n  - name: ip6-allnodes\n    roles: [worker]\n`,
    errors: [
      "error 4:11 nodes[1].name: a node cannot be named ip6-allnodes: Debian's /etc/hosts on every machine already gives ip6-allnodes an IPv6 address of its own",
    ],
  },
  {
    name: "a group member named like another node's machine (the lab's name, a dash, the node's)",
    text: `name: lab\nnodes:\n  - name: w-1\n    roles: ${ALL}\n  - name: lab-w\n    count: 2\n    roles: [worker]\n`,
    errors: ["error 5:11 nodes[1].name: node lab-w-1 has the name of node w-1's machine (the lab's name, a dash, the node's name)"],
    hint: "rename one of them: on the host, and in Docker's DNS with the docker provider, lab-w-1 names w-1",
  },
  {
    name: 'duplicate IPs',
    text: `nodes:\n  - name: a\n    roles: ${ALL}\n    ip: 192.168.56.20\n  - name: b\n    roles: [worker]\n    ip: 192.168.56.20\n`,
    errors: ['error 7:9 nodes[1].ip: b has IP 192.168.56.20, which a already has'],
  },
  {
    name: 'a fixed IP inside a group’s range',
    text: `nodes:\n  - name: w\n    count: 3\n    roles: ${ALL}\n    ip: 192.168.56.20\n  - name: b\n    roles: [worker]\n    ip: 192.168.56.22\n`,
    errors: ['error 8:9 nodes[1].ip: b has IP 192.168.56.22, which w-3 already has'],
  },
  {
    name: 'IP outside the network',
    text: node('    ip: 192.168.57.20\n'),
    errors: ["error 4:9 nodes[0].ip: a's IP 192.168.57.20 is outside the private network 192.168.56.0/24"],
  },
  {
    name: 'IP is the network address',
    text: node('    ip: 192.168.56.0\n'),
    errors: ["error 4:9 nodes[0].ip: a's IP 192.168.56.0 is the network, broadcast or host address of 192.168.56.0/24"],
  },
  {
    name: 'IP is the broadcast address',
    text: node('    ip: 192.168.56.255\n'),
    errors: ["error 4:9 nodes[0].ip: a's IP 192.168.56.255 is the network, broadcast or host address of 192.168.56.0/24"],
  },
  {
    name: 'IP is the host’s address (.1)',
    text: node('    ip: 192.168.56.1\n'),
    errors: ["error 4:9 nodes[0].ip: a's IP 192.168.56.1 is the network, broadcast or host address of 192.168.56.0/24"],
  },
  {
    name: 'IP with an octet over 255',
    text: node('    ip: 192.168.56.300\n'),
    errors: ['error 4:9 nodes[0].ip: 192.168.56.300 is not an IPv4 address (each part must be 0-255)'],
  },
  {
    name: 'a group whose addresses run past the network',
    text: node('    count: 3\n    ip: 192.168.56.254\n'),
    errors: [
      "error 5:9 nodes[0].ip: a-2's IP 192.168.56.255 is the network, broadcast or host address of 192.168.56.0/24",
      "error 5:9 nodes[0].ip: a-3's IP 192.168.57.0 is outside the private network 192.168.56.0/24",
    ],
  },
  {
    name: 'more nodes than free addresses',
    text: `network:\n  cidr: 192.168.56.0/28\n${node('    count: 6\n')}`,
    errors: ['error 2:9 network.cidr: 192.168.56.0/28 has no free address left for node a-6'],
  },

  // networks
  {
    name: 'CIDR with host bits set',
    text: `network:\n  cidr: 192.168.56.1/24\n${ONE_NODE}`,
    errors: ['error 2:9 network.cidr: bad CIDR "192.168.56.1/24": 192.168.56.1/24 has host bits set; the network is 192.168.56.0/24'],
  },
  {
    name: 'prefix longer than 32',
    text: `network:\n  cidr: 192.168.56.0/33\n${ONE_NODE}`,
    errors: ['error 2:9 network.cidr: bad CIDR "192.168.56.0/33": /33 is not a prefix length (0-32)'],
  },
  {
    name: 'prefix too long for nodes',
    text: `network:\n  cidr: 192.168.56.0/31\n${ONE_NODE}`,
    errors: ['error 2:9 network.cidr: bad CIDR "192.168.56.0/31": /31 leaves no room for nodes; use /30 or shorter'],
  },
  {
    name: 'CIDR not in CIDR form',
    text: `network:\n  cidr: 192.168.56.0\n${ONE_NODE}`,
    errors: ['error 2:9 network.cidr: expected an IPv4 network in CIDR form such as 192.168.56.0/24, got "192.168.56.0"'],
  },
  {
    name: 'network on VirtualBox’s NAT range',
    text: `network:\n  cidr: 10.0.2.0/24\n${ONE_NODE}`,
    errors: ["error 2:9 network.cidr: 10.0.2.0/24 collides with VirtualBox's NAT network 10.0.2.0/24, which every machine has as its first interface"],
  },
  {
    name: 'network on vagrant-libvirt’s management range',
    text: `provider:\n  type: libvirt\nnetwork:\n  cidr: 192.168.121.0/24\n${ONE_NODE}`,
    errors: [
      "error 4:9 network.cidr: 192.168.121.0/24 collides with vagrant-libvirt's management network 192.168.121.0/24, which every machine has as its first interface",
    ],
  },
  {
    name: 'network on RKE’s pod range',
    text: `network:\n  cidr: 10.42.8.0/24\n${ONE_NODE}`,
    errors: ["error 2:9 network.cidr: 10.42.8.0/24 overlaps RKE's pod network 10.42.0.0/16"],
  },

  // memory
  {
    name: 'memory "2 gigs"',
    text: node('    memory: 2 gigs\n'),
    errors: ['error 4:13 nodes[0].memory: expected a size such as 2048, "2G", "1536M" or "2Gi", got "2 gigs"'],
  },
  {
    name: 'memory in terabytes',
    text: node('    memory: 2T\n'),
    errors: ['error 4:13 nodes[0].memory: expected a size such as 2048, "2G", "1536M" or "2Gi", got "2T"'],
  },
  { name: 'memory too small, with a unit', text: node('    memory: 128M\n'), errors: ['error 4:13 nodes[0].memory: 128 MiB is too little memory for a node'] },
  { name: 'memory too small, in MiB', text: node('    memory: 128\n'), errors: ['error 4:13 nodes[0].memory: 128 is out of range: must be >= 256'] },
  {
    name: 'default memory too small, used by two nodes, reported once',
    text: `defaults:\n  memory: 200M\nnodes:\n  - name: a\n    roles: ${ALL}\n  - name: b\n    roles: [worker]\n`,
    errors: ['error 2:11 defaults.memory: 200 MiB is too little memory for a node'],
  },

  // files that are no spec
  { name: 'empty file', text: '', errors: ['error -:- (file): the spec is empty'] },
  { name: 'only comments', text: '# nothing here yet\n', errors: ['error -:- (file): the spec is empty'] },
  {
    name: 'YAML syntax error',
    text: 'name: lab\nnodes:\n  - name: a: b\n    roles: [etcd]\n',
    errors: ['error 3:11 (file): YAML syntax: Nested mappings are not allowed in compact mappings'],
  },
  { name: 'YAML tab indentation', text: 'name: lab\nnodes:\n\t- name: a\n', errors: ['error 3:1 (file): YAML syntax: Tabs are not allowed as indentation'] },
  { name: 'duplicate key', text: `${ONE_NODE}nodes: []\n`, errors: ['error 4:1 (file): YAML syntax: Map keys must be unique'] },
  {
    name: 'JSON syntax error',
    file: 'kubelab.json',
    text: '{\n  "name": "lab"\n  "nodes": [{"name": "a", "roles": ["etcd", "controlplane", "worker"]}]\n}\n',
    errors: ['error 3:3 (file): YAML syntax: Missing , between flow map items'],
  },

  // URLs and versions
  {
    name: 'proxy URL with another scheme',
    text: `${ONE_NODE}proxy:\n  http: ftp://proxy:3128\n`,
    errors: ['error 5:9 proxy.http: expected an http:// or https:// URL, got "ftp://proxy:3128"'],
  },
  {
    name: 'proxy URL that no parser reads',
    text: `${ONE_NODE}proxy:\n  https: http://proxy:31:28\n`,
    errors: ['error 5:10 proxy.https: "http://proxy:31:28" is not a valid URL'],
  },
  {
    name: 'registry mirror without a scheme',
    text: `${ONE_NODE}registryMirror:\n  url: registry.lab:5001\n`,
    errors: ['error 5:8 registryMirror.url: expected an http:// or https:// URL, got "registry.lab:5001"'],
  },
  {
    name: 'registry mirror URL that no parser reads',
    text: `${ONE_NODE}registryMirror:\n  url: http://[registry\n`,
    errors: ['error 5:8 registryMirror.url: "http://[registry" is not a valid URL'],
  },
  {
    name: 'registry mirror without url',
    text: `${ONE_NODE}registryMirror:\n  insecure: true\n`,
    errors: ['error 5:3 registryMirror: missing required key `url`'],
  },
  {
    name: 'proxy with neither http nor https',
    text: `${ONE_NODE}proxy:\n  noProxy: [.corp]\n`,
    errors: ['error 5:3 proxy: proxy has neither `http` nor `https`'],
    hint: 'set proxy.http (and usually proxy.https to the same URL), or remove `proxy`',
  },
  {
    name: 'Kubernetes version without the rancher suffix',
    text: `kubernetesVersion: v1.32.5\n${ONE_NODE}`,
    errors: ['error 1:20 kubernetesVersion: expected an RKE Kubernetes version such as v1.32.5-rancher1-1, got "v1.32.5"'],
  },
  {
    name: 'Kubernetes version as a number',
    text: `kubernetesVersion: 1.32\n${ONE_NODE}`,
    errors: ['error 1:20 kubernetesVersion: expected an RKE Kubernetes version such as v1.32.5-rancher1-1, got 1.32'],
  },

  // images.system, the offline kit and what RKE v1.8.5 knows
  {
    name: 'a Kubernetes version RKE does not know',
    text: `kubernetesVersion: v1.29.0-rancher1-1\n${ONE_NODE}`,
    errors: ['error 1:20 kubernetesVersion: RKE v1.8.5 does not know Kubernetes v1.29.0-rancher1-1'],
    hint: `use one of ${RKE_KUBERNETES_VERSIONS.join(', ')}`,
  },
  {
    name: 'a Kubernetes version RKE does not know, with the kit: only that, not also the kit’s error',
    text: `${DOCKER}kubernetesVersion: v1.33.1-rancher1-1\n${ONE_NODE}`,
    errors: ['error 3:20 kubernetesVersion: RKE v1.8.5 does not know Kubernetes v1.33.1-rancher1-1'],
    hint: `use one of ${RKE_KUBERNETES_VERSIONS.join(', ')}`,
  },
  {
    name: 'the kit (docker’s default) and a Kubernetes version it has no images for',
    text: `${DOCKER}kubernetesVersion: v1.31.10-rancher1-1\n${ONE_NODE}`,
    errors: ['error 3:20 kubernetesVersion: the offline kit has no images for Kubernetes v1.31.10-rancher1-1'],
    hint: `use one of the kit's versions, ${KIT_KUBERNETES_VERSIONS.join(', ')}, or ${RANCHER}${BY_DEFAULT}`,
  },
  {
    name: 'the kit asked for on virtualbox and a Kubernetes version it has no images for',
    text: `kubernetesVersion: v1.30.14-rancher1-1\nimages:\n  system: kit\n${ONE_NODE}`,
    errors: ['error 1:20 kubernetesVersion: the offline kit has no images for Kubernetes v1.30.14-rancher1-1'],
    hint: `use one of the kit's versions, ${KIT_KUBERNETES_VERSIONS.join(', ')}, or ${RANCHER}`,
  },
  {
    name: 'the kit with canal',
    text: `${DOCKER}cni:\n  plugin: canal\n${ONE_NODE}`,
    errors: ['error 4:11 cni.plugin: the offline kit has no images for canal: canal is calico with flannel, and calico cannot be built offline'],
    hint: `use \`cni.plugin: flannel\`, or ${RANCHER}${BY_DEFAULT}`,
  },
  {
    name: 'the kit with calico: an error, and no calico warning on top',
    text: `images:\n  system: kit\ncni:\n  plugin: calico\n${ONE_NODE}`,
    errors: ['error 4:11 cni.plugin: the offline kit has no calico images: calico cannot be built offline'],
    hint: `use \`cni.plugin: flannel\`, or ${RANCHER}`,
  },
  {
    name: 'the kit with another RKE',
    text: `${DOCKER}rke:\n  version: v1.7.3\n${ONE_NODE}`,
    errors: ['error 4:12 rke.version: the offline kit builds RKE v1.8.5, not v1.7.3'],
    hint: `use \`rke.version: v1.8.5\` (or leave it out), or ${RANCHER}${BY_DEFAULT}`,
  },
  {
    name: 'the kit without an images folder',
    text: `provider:\n  type: docker\n  syncedFolder: none\nregistry:\n  enabled: false\n${ONE_NODE}`,
    errors: [
      "error 3:17 provider.syncedFolder: with the lab registry off, syncedFolder none shares no images folder, so the offline kit's images never reach the nodes",
    ],
    hint: `turn \`registry.enabled\` back on, use another provider.syncedFolder, or ${RANCHER}${BY_DEFAULT}`,
  },

  // services on the host: ports of their own, and addresses the nodes can reach
  {
    name: 'the lab registry on the package cache’s port',
    text: `${ONE_NODE}registry:\n  port: 3143\npackageCache:\n  enabled: true\n`,
    // Told at the port the spec sets, not at the package cache's default.
    errors: ['error 5:9 registry.port: the lab registry would listen on port 3143, which the package cache has by default'],
    hint: 'give each service on the host its own port',
  },
  {
    name: 'the pull-through cache on the lab registry’s port',
    text: `${ONE_NODE}registry:\n  pullThrough:\n    port: 5001\n`,
    errors: ['error 6:11 registry.pullThrough.port: the pull-through cache would listen on port 5001, which the lab registry has by default'],
    hint: 'give each service on the host its own port',
  },
  {
    name: 'three services on one port: each later one is told',
    text: `${ONE_NODE}registry:\n  port: 3143\n  pullThrough:\n    port: 3143\npackageCache:\n  port: 3143\n`,
    errors: [
      'error 7:11 registry.pullThrough.port: the pull-through cache would listen on port 3143, which the lab registry has',
      'error 9:9 packageCache.port: the package cache would listen on port 3143, which the pull-through cache has',
    ],
  },
  {
    name: 'port 0',
    text: `${ONE_NODE}registry:\n  port: 0\n`,
    errors: ['error 5:9 registry.port: 0 is out of range: must be >= 1'],
  },
  {
    name: 'a port over 65535',
    text: `${ONE_NODE}packageCache:\n  port: 70000\n`,
    errors: ['error 5:9 packageCache.port: 70000 is out of range: must be <= 65535'],
  },
  {
    name: 'a port that is no number',
    text: `${ONE_NODE}registry:\n  pullThrough:\n    port: http\n`,
    errors: ['error 6:11 registry.pullThrough.port: expected a TCP port number, got "http"'],
  },
  {
    name: 'a pull-through upstream without a scheme',
    text: `${ONE_NODE}registry:\n  pullThrough:\n    upstream: registry-1.docker.io\n`,
    errors: ['error 6:15 registry.pullThrough.upstream: expected an http:// or https:// URL, got "registry-1.docker.io"'],
  },
  {
    name: 'a proxy on the host’s loopback',
    text: `${ONE_NODE}proxy:\n  http: http://127.0.0.1:3128\n  https: http://localhost:3128\n`,
    errors: [
      'error 5:9 proxy.http: the nodes cannot reach 127.0.0.1: on a machine it is the machine itself, not the host',
      'error 6:10 proxy.https: the nodes cannot reach localhost: on a machine it is the machine itself, not the host',
    ],
    hint: "use an address the machines reach, such as the host's address on the private network, 192.168.56.1",
  },
  {
    name: 'a registry mirror on the host’s IPv6 loopback',
    text: `${ONE_NODE}registryMirror:\n  url: http://[::1]:5001\n`,
    errors: ['error 5:8 registryMirror.url: the nodes cannot reach [::1]: on a machine it is the machine itself, not the host'],
  },
  {
    name: 'a registry mirror anywhere in 127.0.0.0/8, with the host’s address of this network in the hint',
    text: `network:\n  cidr: 10.10.0.0/16\n${ONE_NODE}registryMirror:\n  url: http://127.1.2.3:5001\n`,
    errors: ['error 7:8 registryMirror.url: the nodes cannot reach 127.1.2.3: on a machine it is the machine itself, not the host'],
    hint: "use an address the machines reach, such as the host's address on the private network, 10.10.0.1",
  },
  {
    name: 'images.system neither kit nor rancher',
    text: `${ONE_NODE}images:\n  system: offline\n`,
    errors: ['error 5:11 images.system: expected one of "kit", "rancher", got "offline"'],
  },
  {
    name: 'no default box for libvirt on arm64',
    text: `arch: arm64\nprovider:\n  type: libvirt\n${ONE_NODE}`,
    errors: ['error 3:9 provider.type: no default box for libvirt on arm64'],
  },
];

describe('bad specs: each is rejected with its message, line and path', () => {
  test('the table is as large as the issue asks', () => {
    assert.ok(badSpecs.length >= 15, `${badSpecs.length} bad specs`);
    assert.equal(new Set(badSpecs.map((b) => b.name)).size, badSpecs.length, 'names are unique');
  });

  for (const bad of badSpecs) {
    test(bad.name, async () => {
      const { specFile, problems } = await rejectedText(bad.text, bad.file);
      assert.deepEqual(brief(errorsOf(problems)), bad.errors);
      for (const p of problems) assert.equal(p.file, specFile, 'every problem names the spec file');
      if (bad.hint !== undefined) assert.equal(errorsOf(problems)[0]?.hint, bad.hint);
    });
  }
});

describe('bad specs: every problem at once', () => {
  test('three schema errors in different places give three problems, in file order', async () => {
    const { problems } = await rejectedText(
      `name: lab\nkubernetesVersion: latest\nnodes:\n  - name: a\n    roles: ${ALL}\n    cpus: many\nproxy:\n  http: proxy:3128\n`,
    );
    assert.deepEqual(brief(problems), [
      'error 2:20 kubernetesVersion: expected an RKE Kubernetes version such as v1.32.5-rancher1-1, got "latest"',
      'error 6:11 nodes[0].cpus: expected an integer, got "many"',
      'error 8:9 proxy.http: expected an http:// or https:// URL, got "proxy:3128"',
    ]);
  });

  test('three errors found after the schema (roles, addresses, network) give three problems', async () => {
    const { problems } = await rejectedText(
      'network:\n  cidr: 10.0.2.0/24\nnodes:\n  - name: a\n    roles: [etcd, controlplane]\n    ip: 10.0.2.20\n  - name: b\n    roles: [controlplane]\n    ip: 10.0.2.20\n',
    );
    assert.deepEqual(brief(errorsOf(problems)), [
      "error 2:9 network.cidr: 10.0.2.0/24 collides with VirtualBox's NAT network 10.0.2.0/24, which every machine has as its first interface",
      'error 4:3 nodes: no node has the worker role; RKE needs at least one',
      'error 9:9 nodes[1].ip: b has IP 10.0.2.20, which a already has',
    ]);
  });

  test('everything the kit cannot do, at once, in file order', async () => {
    const { problems } = await rejectedText(`${DOCKER}kubernetesVersion: v1.31.10-rancher1-1\nrke:\n  version: v1.8.4\ncni:\n  plugin: canal\n${ONE_NODE}`);
    assert.deepEqual(brief(problems), [
      'error 3:20 kubernetesVersion: the offline kit has no images for Kubernetes v1.31.10-rancher1-1',
      'error 5:12 rke.version: the offline kit builds RKE v1.8.5, not v1.8.4',
      'error 7:11 cni.plugin: the offline kit has no images for canal: canal is calico with flannel, and calico cannot be built offline',
    ]);
  });

  test('warnings are reported along with the errors, in file order', async () => {
    const { problems } = await rejectedText(`network:\n  cidr: 10.0.2.0/24\n${ONE_NODE}`);
    assert.deepEqual(brief(warningsOf(problems)), ['warning 2:9 network.cidr: VirtualBox 7 only allows host-only networks inside 192.168.56.0/21 by default']);
    assert.equal(problems.length, 2);
  });
});

describe('warnings do not fail a spec', () => {
  const warned = async (text: string): Promise<string[]> => {
    const { warnings } = await compileText(text);
    for (const w of warnings) assert.equal(w.severity, 'warning');
    return brief(warnings);
  };

  test('an even number of etcd nodes', async () => {
    assert.deepEqual(await warned(`nodes:\n  - name: e\n    count: 2\n    roles: ${ALL}\n`), [
      'warning 2:3 nodes: 2 etcd nodes: an even count tolerates no more failures than 1',
    ]);
  });

  test('calico', async () => {
    assert.deepEqual(await warned(`cni:\n  plugin: calico\n${ONE_NODE}`), [
      "warning 2:11 cni.plugin: calico picks each node's address itself, and may pick the NAT interface, which has the same address on every machine",
    ]);
  });

  test('both at once', async () => {
    assert.equal((await warned(`cni:\n  plugin: calico\nnodes:\n  - name: e\n    count: 4\n    roles: ${ALL}\n`)).length, 2);
  });

  test('a box on the docker provider', async () => {
    assert.deepEqual(await warned(`box: x/y\nprovider:\n  type: docker\n${ONE_NODE}`), [
      'warning 1:6 box: the docker provider starts an image, not a box; `box` is ignored',
    ]);
  });

  test('a VirtualBox network outside its default host-only range', async () => {
    assert.deepEqual(await warned(`network:\n  cidr: 172.28.0.0/24\n${ONE_NODE}`), [
      'warning 2:9 network.cidr: VirtualBox 7 only allows host-only networks inside 192.168.56.0/21 by default',
    ]);
  });

  test('little memory for a control-plane node, once per member of its group', async () => {
    assert.deepEqual(
      await warned(`nodes:\n  - name: cp\n    count: 2\n    roles: [etcd, controlplane]\n    memory: 768M\n  - name: e\n    roles: [etcd, worker]\n`),
      [
        'warning 5:13 nodes[0].memory: cp-1 has 768 MiB; etcd and the control plane need about 1.5 GiB to be stable',
        'warning 5:13 nodes[0].memory: cp-2 has 768 MiB; etcd and the control plane need about 1.5 GiB to be stable',
      ],
    );
  });

  test('with RKE’s images, docker takes what the kit lacks: canal, another Kubernetes, another RKE, no images folder', async () => {
    assert.deepEqual(
      await warned(
        `provider:\n  type: docker\n  syncedFolder: none\nkubernetesVersion: v1.31.10-rancher1-1\nrke:\n  version: v1.7.3\ncni:\n  plugin: canal\nimages:\n  system: rancher\n${ONE_NODE}`,
      ),
      [],
    );
  });

  test('with the lab registry, the kit needs no shared folder', async () => {
    assert.deepEqual(await warned(`provider:\n  type: docker\n  syncedFolder: none\n${ONE_NODE}`), []);
    assert.deepEqual(await warned(`provider:\n  syncedFolder: none\nimages:\n  system: kit\n${ONE_NODE}`), []);
  });

  test('only services that run need a port of their own', async () => {
    // docker has no package cache by default; with the registry off, there is no pull-through cache either.
    assert.deepEqual(await warned(`${DOCKER}registry:\n  port: 3143\n${ONE_NODE}`), []);
    assert.deepEqual(await warned(`registry:\n  enabled: false\n  port: 3143\n  pullThrough:\n    port: 3143\n${ONE_NODE}`), []);
    assert.deepEqual(await warned(`packageCache:\n  enabled: false\n  port: 5001\n${ONE_NODE}`), []);
  });

  test('the pull-through cache’s upstream may be on the host’s loopback: the host fetches it, not the nodes', async () => {
    assert.deepEqual(await warned(`registry:\n  pullThrough:\n    upstream: http://127.0.0.1:5001\n${ONE_NODE}`), []);
  });

  test('the kit on virtualbox, with flannel or no CNI, is accepted', async () => {
    assert.deepEqual(await warned(`images:\n  system: kit\n${ONE_NODE}`), []);
    assert.deepEqual(await warned(`${DOCKER}cni:\n  plugin: none\n${ONE_NODE}`), []);
  });

  test('an odd etcd count, canal, and enough memory give no warning at all', async () => {
    assert.deepEqual(await warned(`nodes:\n  - name: e\n    count: 3\n    roles: ${ALL}\n`), []);
  });

  test('names that only begin like a reserved one are fine: a group named localhost is localhost-1, localhost-2', async () => {
    const { model } = await compileText(`nodes:\n  - name: localhost\n    count: 2\n    roles: ${ALL}\n  - name: ip6-localhost-x\n    roles: [worker]\n`);
    assert.deepEqual(
      model.nodes.map((n) => n.name),
      // Two controlplane nodes: kubelab adds the API endpoint's machine, lb.
      ['localhost-1', 'localhost-2', 'ip6-localhost-x', 'lb'],
    );
  });

  test('the lowest and highest node addresses of a network are accepted', async () => {
    const { model } = await compileText(
      `nodes:\n  - name: a\n    roles: ${ALL}\n    ip: 192.168.56.2\n  - name: b\n    roles: [worker]\n    ip: 192.168.56.254\n`,
    );
    assert.deepEqual(
      model.nodes.map((n) => n.ip),
      ['192.168.56.2', '192.168.56.254'],
    );
  });
});
