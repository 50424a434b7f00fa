/**
 * A real Kubernetes cluster, end to end: the offline kit built from source, `kubelab apply` with the
 * real rke on three docker-provider machines (one etcd + control plane, two workers), then
 * Kubernetes itself is asked whether it works: nodes, DNS, pod network, services, RBAC, and how it
 * recovers from faults. Runs when Docker and Vagrant are available; in CI their absence is a
 * failure. All traffic stays on the lab's own network.
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { destroyAndAssertClean, dockerLabUnavailable, ensureBox, kubelab, REGISTRY_WITHOUT_UPSTREAM } from '../support/docker-lab.js';
import { eventually } from '../support/fault-lab.js';
import { repoRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';

const BOX = 'kubelab/debian-bookworm:latest';
// A network of this test's own (made through Vagrant); nothing outside it is ever addressed.
const CIDR = '192.168.233.0/24';
const NODES = { cp: '192.168.233.10', 'worker-1': '192.168.233.11', 'worker-2': '192.168.233.12' } as const;
const SOURCES = process.env.KUBELAB_KIT_SOURCES ?? path.resolve(repoRoot, '..', 'shared', 'third_party');
const TOOLS_IMAGE = 'kubelab/rke-tools:v0.1.111';
// The kubelet writes these host-wide sysctls when it starts (a container shares the host's kernel).
const HOST_SYSCTLS = ['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops'];

const SPEC = `
name: klcluster
provider:
  type: docker
network:
  cidr: ${CIDR}
defaults:
  cpus: 2
  memory: 1536M
nodes:
  - name: cp
    roles: [etcd, controlplane]
    memory: 3G
  - name: worker
    count: 2
    roles: [worker]
${REGISTRY_WITHOUT_UPSTREAM}`;

/** Two web pods, one per worker, that answer with their own name, and a Service in front. */
const WORKLOAD = (['worker-1', 'worker-2'] as const)
  .map(
    (node, i) => `
apiVersion: v1
kind: Pod
metadata:
  name: web-${i + 1}
  labels: { app: web }
spec:
  nodeSelector: { kubernetes.io/hostname: ${node} }
  containers:
    - name: web
      image: ${TOOLS_IMAGE}
      imagePullPolicy: Never
      # socat, not ncat: ncat's listener quits now and then on a closed connection.
      command:
        - bash
        - -c
        - |
          serve() { while read -r line && [ -n "\${line%$'\\r'}" ]; do :; done; printf 'HTTP/1.0 200 OK\\r\\n\\r\\n%s\\n' "$HOSTNAME"; }
          export -f serve
          exec socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'bash -c serve'
      ports: [{ containerPort: 8080 }]
`,
  )
  .concat(
    `
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
`,
  )
  .join('\n---\n');

const unavailable = await dockerLabUnavailable();
if (unavailable && process.env.CI) throw new Error(`the cluster end-to-end test cannot run in CI: ${unavailable}`);

describe('a real RKE cluster on the docker provider, from the offline kit', { skip: unavailable, timeout: 60 * 60_000 }, () => {
  let dir = '';
  let outDir = '';
  const sysctls = new Map<string, string>();

  const kubectl = async (...args: string[]) => kubelab(dir, ['kubectl', ...args]);
  /** kubectl that must succeed; returns its trimmed stdout. */
  const must = async (...args: string[]): Promise<string> => {
    const result = await kubectl(...args);
    assert.equal(result.exitCode, 0, `kubectl ${args.join(' ')}:\n${result.all}`);
    return result.stdout.trim();
  };
  const nodeReady = async (node: string): Promise<string> =>
    (await kubectl('get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')).stdout.trim();

  before(async () => {
    for (const key of HOST_SYSCTLS) sysctls.set(key, (await fs.readFile(`/proc/sys/${key}`, 'utf8')).trim());
    await ensureBox(BOX);
    dir = await tempDir('cluster');
    outDir = path.join(dir, 'out');
    await fs.writeFile(path.join(dir, 'kubelab.yaml'), SPEC);
    const kit = await kubelab(dir, ['kit', 'build', '--sources', SOURCES]);
    assert.equal(kit.exitCode, 0, kit.all);
  });

  after(async () => {
    if (outDir && (await fs.pathExists(path.join(outDir, '.vagrant')))) await kubelab(dir, ['destroy']);
    for (const [key, value] of sysctls) await fs.writeFile(`/proc/sys/${key}`, value).catch(() => {});
  });

  test("the kit is built into the spec's images folder, and a rebuild with nothing changed builds nothing", async () => {
    const again = await kubelab(dir, ['kit', 'build', '--sources', SOURCES]);
    assert.equal(again.exitCode, 0, again.all);
    assert.match(again.stdout, /^kit for Kubernetes v1\.32\.5-rancher1-1: \.images\/kubelab-kit-v1\.32\.5-rancher1-1\.tar\.gz \(0 step\(s\) built, 24 cached/);
    assert.doesNotMatch(again.stderr, /building/);
    const rke = /rke: +(\S+)/.exec(again.stdout)?.[1];
    assert.ok(rke && (await fs.pathExists(rke)), again.stdout);
  });

  test('apply installs Kubernetes with the real rke, and every node turns Ready', async () => {
    const result = await kubelab(dir, ['apply', '--jobs', '3']);
    assert.equal(result.exitCode, 0, result.all);
    assert.match(result.stdout, /lab klcluster is up in .*\n\s+kubelab kubectl get nodes -o wide\n.*\n\s+export KUBECONFIG=out\/kube_config_cluster\.yml/);
    assert.match(result.all ?? '', /all 3 Ready/);
    const status = JSON.parse((await kubelab(dir, ['status', '--json'])).stdout) as {
      nodes: { name: string; kubernetes: { ready: boolean; version: string } | null }[];
    };
    assert.deepEqual(
      status.nodes.map((n) => [n.name, n.kubernetes?.ready, n.kubernetes?.version]),
      Object.keys(NODES).map((n) => [n, true, 'v1.32.5']),
    );
    // Every node is known by its private address, never by the NAT-like first interface.
    const addresses = await must('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.addresses[?(@.type=="InternalIP")].address} {end}');
    assert.equal(
      addresses,
      Object.entries(NODES)
        .map(([n, ip]) => `${n}=${ip}`)
        .join(' '),
    );
  });

  test("each node offers the scheduler its own machine's memory, not the host's", async () => {
    const allocatable = await must('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.allocatable.memory} {end}');
    const mib = Object.fromEntries(
      allocatable
        .split(' ')
        .map((pair) => pair.split('='))
        .map(([n, v]) => [n, Number(/^([0-9]+)Ki$/.exec(v!)?.[1]) / 1024]),
    );
    // The spec's memory, less the kubelet's eviction threshold (100 MiB).
    for (const [node, asked] of [
      ['cp', 3072],
      ['worker-1', 1536],
      ['worker-2', 1536],
    ] as const) {
      assert.ok(mib[node]! > asked - 200 && mib[node]! <= asked, `${node}: ${mib[node]} MiB allocatable, the spec gives it ${asked} MiB`);
    }
  });

  test('roles sit on distinct nodes, like production', async () => {
    const roles = await must(
      'get',
      'nodes',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}:{.metadata.labels.node-role\\.kubernetes\\.io/controlplane},{.metadata.labels.node-role\\.kubernetes\\.io/etcd},{.metadata.labels.node-role\\.kubernetes\\.io/worker} {end}',
    );
    assert.equal(roles, 'cp:true,true, worker-1:,,true worker-2:,,true');
  });

  test('pods on the two workers reach each other over flannel on the private network', async () => {
    await fs.writeFile(path.join(dir, 'workload.yaml'), WORKLOAD);
    await must('apply', '-f', path.join(dir, 'workload.yaml'));
    await must('wait', '--for=condition=Ready', 'pod/web-1', 'pod/web-2', '--timeout=180s');
    const ip2 = await must('get', 'pod', 'web-2', '-o', 'jsonpath={.status.podIP}');
    assert.match(ip2, /^10\.42\./);
    assert.equal(await must('exec', 'web-1', '--', 'curl', '-s', '--max-time', '5', `http://${ip2}:8080/`), 'web-2');
    // flannel was bound to eth1: each node's public-ip annotation is its private address.
    const flannel = await must('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.annotations.flannel\\.alpha\\.coreos\\.com/public-ip} {end}');
    assert.equal(flannel, Object.values(NODES).join(' '));
  });

  test('a pod resolves kubernetes.default through CoreDNS', async () => {
    assert.match(await must('exec', 'web-1', '--', 'getent', 'hosts', 'kubernetes.default'), /^10\.43\.0\.1\s+kubernetes\.default\.svc\.cluster\.local/);
    assert.equal(await must('exec', 'web-1', '--', 'sh', '-c', "awk '/^nameserver/ {print $2}' /etc/resolv.conf"), '10.43.0.10');
  });

  test('a ClusterIP Service answers through kube-proxy, from both backends', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20 && seen.size < 2; i++)
      seen.add(await must('exec', 'web-1', '--', 'curl', '-s', '--max-time', '5', 'http://web.default.svc.cluster.local/'));
    assert.deepEqual([...seen].sort(), ['web-1', 'web-2']);
  });

  test('RBAC is on: a ServiceAccount without a binding is refused', async () => {
    await must('create', 'serviceaccount', 'nobody');
    const asNobody = ['--as', 'system:serviceaccount:default:nobody'];
    assert.equal((await kubectl('auth', 'can-i', 'list', 'pods', ...asNobody)).stdout.trim(), 'no');
    const refused = await kubectl('get', 'pods', ...asNobody);
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stderr, /Forbidden|forbidden/);
    assert.equal((await kubectl('auth', 'can-i', 'list', 'pods')).stdout.trim(), 'yes');
  });

  test('kill kube-apiserver: the API refuses, then comes back by itself', async () => {
    const killed = await kubelab(dir, ['fault', 'kill', 'kube-apiserver', '--node', 'cp']);
    assert.equal(killed.exitCode, 0, killed.all);
    const down = await kubectl('get', '--raw', '/readyz', '--request-timeout=3s');
    assert.notEqual(down.exitCode, 0, 'the API answered right after its server was killed');
    await eventually(
      'the API server to come back',
      async () => (await kubectl('get', '--raw', '/readyz', '--request-timeout=3s')).stdout.trim() === 'ok',
      120_000,
    );
    const cleared = await kubelab(dir, ['fault', 'clear']);
    assert.equal(cleared.exitCode, 0, cleared.all);
  });

  test('stop a worker: Kubernetes marks it NotReady, and start brings it back to Ready', async () => {
    const stopped = await kubelab(dir, ['fault', 'stop', 'worker-2']);
    assert.equal(stopped.exitCode, 0, stopped.all);
    // RKE's node-monitor-grace-period is 40 s.
    await eventually('worker-2 to turn NotReady', async () => ['False', 'Unknown'].includes(await nodeReady('worker-2')), 150_000);
    assert.equal(await nodeReady('worker-1'), 'True');
    const started = await kubelab(dir, ['fault', 'start', 'worker-2']);
    assert.equal(started.exitCode, 0, started.all);
    await eventually('worker-2 to be Ready again', async () => (await nodeReady('worker-2')) === 'True', 240_000);
  });

  test('apply again converges on the running cluster', async () => {
    const result = await kubelab(dir, ['apply']);
    assert.equal(result.exitCode, 0, result.all);
    assert.match(result.all ?? '', /all 3 Ready/);
  });

  test('destroy leaves no container, network or volume behind', async () => {
    await destroyAndAssertClean(dir, 'klcluster', 3, '192.168.233.');
    for (const gone of ['.vagrant', 'kube_config_cluster.yml', 'cluster.rkestate']) assert.ok(!(await fs.pathExists(path.join(outDir, gone))), gone);
  });
});
