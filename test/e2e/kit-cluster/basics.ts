import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { NODES, SOURCES, TOOLS_IMAGE, type KitCluster } from './lab.js';

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

/**
 * A real Kubernetes cluster from the kit, asked whether it works: nodes, DNS, pod network,
 * services, RBAC; and how it recovers from faults done straight with `kubelab fault`.
 */
export function clusterBasics(lab: KitCluster): void {
  const kubectl = (...args: string[]) => lab.kubelab('kubectl', ...args);
  const must = (...args: string[]) => lab.must('kubectl', ...args);

  describe('a real RKE cluster on the docker provider, from the offline kit', () => {
    test("the kit is built into the spec's images folder, and a rebuild with nothing changed builds nothing", async () => {
      const again = await lab.kubelab('kit', 'build', '--sources', SOURCES);
      assert.equal(again.exitCode, 0, again.all);
      assert.match(
        again.stdout,
        /^kit for Kubernetes v1\.32\.5-rancher1-1: \.images\/kubelab-kit-v1\.32\.5-rancher1-1\.tar\.gz \(0 step\(s\) built, 24 cached/,
      );
      assert.doesNotMatch(again.stderr, /building/);
      const rke = /rke: +(\S+)/.exec(again.stdout)?.[1];
      assert.ok(rke && (await fs.pathExists(rke)), again.stdout);
    });

    test('apply installs Kubernetes with the real rke, and every node turns Ready', async () => {
      const result = lab.applied;
      assert.ok(result);
      assert.match(result.stdout, /lab klcluster is up in .*\n\s+kubelab kubectl get nodes -o wide\n.*\n\s+export KUBECONFIG=out\/kube_config_cluster\.yml/);
      assert.match(result.all, /all 5 Ready/);
      // Each node pulled the images rke up runs on it as soon as it was up: rke up found them there.
      assert.match(result.all, /cp\] ready \([0-9.]+\); [0-9]+ image\(s\) pulled in /);
      const rkeLog = await fs.readFile(path.join(lab.outDir, '.kubelab', 'logs', 'rke-up.log'), 'utf8');
      assert.doesNotMatch(rkeLog, /Pulling image \[kubelab\/(rke-tools|hyperkube|pause|etcd)/);
      const status = JSON.parse(await lab.must('status', '--json')) as {
        nodes: { name: string; kubernetes: { ready: boolean; version: string } | null }[];
      };
      assert.deepEqual(
        status.nodes.map((n) => [n.name, n.kubernetes?.ready, n.kubernetes?.version]),
        Object.keys(NODES).map((n) => [n, true, 'v1.32.5']),
      );
      // Every node is known by its private address, never by the NAT-like first interface.
      const addresses = await must(
        'get',
        'nodes',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}={.status.addresses[?(@.type=="InternalIP")].address} {end}',
      );
      assert.equal(
        addresses,
        Object.entries(NODES)
          .map(([n, ip]) => `${n}=${ip}`)
          .join(' '),
      );
    });

    test("each node offers the scheduler its own machine's memory, not the host's, and evicts nothing for the host's disk", async () => {
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
        ['etcd-1', 1024],
        ['worker-1', 1536],
        ['worker-2', 1536],
      ] as const) {
        assert.ok(mib[node]! > asked - 200 && mib[node]! <= asked, `${node}: ${mib[node]} MiB allocatable, the spec gives it ${asked} MiB`);
      }
      // The kubelet's running configuration: no hard eviction on the disk every node shares with the host.
      const configz = JSON.parse(await must('get', '--raw', '/api/v1/nodes/worker-1/proxy/configz')) as {
        kubeletconfig: { evictionHard?: Record<string, string> };
      };
      const eviction = configz.kubeletconfig.evictionHard ?? {};
      assert.equal(eviction['memory.available'], '100Mi', JSON.stringify(eviction));
      assert.equal(eviction['nodefs.available'], '0%', JSON.stringify(eviction));
      assert.equal(eviction['imagefs.available'], '0%', JSON.stringify(eviction));
      for (const [signal, threshold] of Object.entries(eviction))
        if (signal !== 'memory.available') assert.equal(threshold, '0%', `${signal}: ${threshold}, from the host's disk`);
    });

    test('roles sit on distinct nodes, like production', async () => {
      const roles = await must(
        'get',
        'nodes',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}:{.metadata.labels.node-role\\.kubernetes\\.io/controlplane},{.metadata.labels.node-role\\.kubernetes\\.io/etcd},{.metadata.labels.node-role\\.kubernetes\\.io/worker} {end}',
      );
      assert.equal(roles, 'cp:true,true, etcd-1:,true, etcd-2:,true, worker-1:,,true worker-2:,,true');
    });

    test('pods on the two workers reach each other over flannel on the private network', async () => {
      await fs.writeFile(path.join(lab.dir, 'workload.yaml'), WORKLOAD);
      await must('apply', '-f', path.join(lab.dir, 'workload.yaml'));
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

    test("service account tokens are issued by a URL, whose OIDC discovery the API server serves; RKE's issuer stays accepted", async () => {
      const issuer = 'https://kubernetes.default.svc.cluster.local';
      const discovery = JSON.parse(await must('get', '--raw', '/.well-known/openid-configuration')) as { issuer?: string; jwks_uri?: string };
      assert.equal(discovery.issuer, issuer);
      const keys = JSON.parse(await must('get', '--raw', '/openid/v1/jwks')) as { keys?: unknown[] };
      assert.ok((keys.keys ?? []).length > 0, 'the issuer publishes its keys');
      const token = (await must('create', 'token', 'nobody')).trim();
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: string };
      assert.equal(payload.iss, issuer);
      const args = (await lab.nodes!.must('cp', "docker inspect --format '{{json .Args}}' kube-apiserver")).trim();
      const issuers = (JSON.parse(args) as string[]).filter((a) => a.startsWith('--service-account-issuer='));
      assert.deepEqual(issuers, [`--service-account-issuer=${issuer}`, '--service-account-issuer=rke']);
    });
  });
}
