import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { apiServerStates, endpointStatsUrl } from '../../../src/cluster/endpoint.js';
import { computeLanes } from '../../../src/scenario/report/lanes.js';
import { destroyAndAssertClean } from '../../support/docker-lab.js';
import { eventually, LabNodes } from '../../support/fault-lab.js';
import { dockerExample } from '../../support/quick-start.js';
import { type KitCluster } from './lab.js';

/**
 * The production-shaped lab the shared cluster's stores serve last is the README's quick start:
 * examples/docker/kubelab.yaml, three etcd+controlplane nodes, a worker, and the machine kubelab
 * adds for several controlplane nodes, lb, the lab's API endpoint (lifecycle.ts brings it up).
 */
export const HA_EXAMPLE = dockerExample();
const NET = HA_EXAMPLE.net;
export const HA_NODES = {
  'cp-1': `${NET}.10`,
  'cp-2': `${NET}.11`,
  'cp-3': `${NET}.12`,
  'worker-1': `${NET}.13`,
  lb: `${NET}.9`,
} as const;
const CONTROLPLANES = ['cp-1', 'cp-2', 'cp-3'] as const;
const ENDPOINT = HA_NODES.lb;
/**
 * The longest a client of the endpoint may go unanswered when one API server's machine loses its
 * power: haproxy takes it out after 3 failed checks 2 s apart (up to 8 s with their timeouts), and
 * until then retries a refused connection on another server.
 */
const LONGEST_GAP_MS = 20_000;

/** haproxy's view of each API server: UP, DOWN, or a transition ("UP 1/3"). */
async function endpointView(): Promise<Record<string, string>> {
  const response = await fetch(endpointStatsUrl(ENDPOINT), { signal: AbortSignal.timeout(3000) });
  return apiServerStates(await response.text());
}

/**
 * The API seen through the endpoint while a controlplane node loses its power, as the issue's
 * experiment and its lesson: the user never notices which API server they were talking to. Runs on
 * the lab `lifecycle` brings up last (HA_EXAMPLE), and destroys it at the end.
 */
export function haEndpoint(lab: KitCluster): void {
  const kubectl = (...args: string[]) => lab.kubelab('kubectl', ...args);
  const nodeReady = async (node: string, ...server: string[]): Promise<string> =>
    (await kubectl(...server, 'get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}', '--request-timeout=5s')).stdout.trim();
  const leaseHolder = async (name: string): Promise<string> =>
    (await kubectl('-n', 'kube-system', 'get', 'lease', name, '-o', 'jsonpath={.spec.holderIdentity}', '--request-timeout=5s')).stdout.trim().split('_')[0] ??
    '';

  describe("a production-shaped control plane: the lab's API endpoint in front of three API servers", () => {
    test('the kubeconfig names the endpoint, whose certificate RKE made; haproxy has every API server; status shows its machine', async () => {
      assert.deepEqual((await LabNodes.fromSpec(lab.spec, lab.outDir)).ips, HA_NODES, 'the spec puts the machines where the tests expect');
      const kubeconfig = parse(await fs.readFile(path.join(lab.outDir, 'kube_config_cluster.yml'), 'utf8')) as { clusters: { cluster: { server: string } }[] };
      assert.deepEqual(
        kubeconfig.clusters.map((c) => c.cluster.server),
        [`https://${ENDPOINT}:6443`],
      );
      // kubectl checks the server's certificate: it names the endpoint (authentication.sans).
      const readyz = await kubectl('get', '--raw', '/readyz');
      assert.equal(readyz.stdout.trim(), 'ok', readyz.all);
      assert.deepEqual(await endpointView(), { 'cp-1': 'UP', 'cp-2': 'UP', 'cp-3': 'UP' });
      const status = await lab.kubelab('status');
      assert.equal(status.exitCode, 0, status.all);
      assert.match(status.stdout, new RegExp(`^lb\\s+running\\s+${ENDPOINT.replaceAll('.', '\\.')}\\s+loadbalancer\\s+API endpoint\\s`, 'm'));
      assert.equal(status.stdout.match(/ Ready v1\./g)?.length, 4, status.stdout);
    });

    // The lease holder's loss is the scenario controlplane-node-loss's, below: here each of the others.
    test('each controlplane node but the lease holder in turn loses its power: kubectl through the endpoint keeps answering, status works', async () => {
      const gaps: string[] = [];
      const holder = await leaseHolder('kube-controller-manager');
      assert.ok(CONTROLPLANES.includes(holder as (typeof CONTROLPLANES)[number]), `the controller-manager lease is held by ${holder}`);
      for (const victim of CONTROLPLANES.filter((node) => node !== holder)) {
        // Every answer of `kubelab kubectl get nodes`, one call after another, while the node goes.
        const answers: number[] = [];
        let polling = true;
        const started = Date.now();
        const poller = (async () => {
          while (polling) {
            const result = await kubectl('get', 'nodes', '--no-headers', '--request-timeout=3s');
            if (result.exitCode === 0) answers.push(Date.now());
          }
        })();
        const crashed = await lab.kubelab('fault', 'crash', victim);
        assert.equal(crashed.exitCode, 0, crashed.all);
        assert.doesNotMatch(crashed.all, /goes down with this fault/, 'one API server of three: the API stays');
        await eventually(`haproxy to take ${victim} out`, async () => (await endpointView())[victim]?.startsWith('DOWN') === true, 60_000);
        const status = await lab.kubelab('status', '--json');
        assert.equal(status.exitCode, 0, status.all);
        assert.equal((JSON.parse(status.stdout) as { kubernetesNote: string | null }).kubernetesNote, null, 'status reads the cluster through the endpoint');
        await sleep(5_000);
        polling = false;
        await poller;
        const times = [started, ...answers, Date.now()];
        const longest = Math.max(...times.slice(1).map((t, i) => t - times[i]!));
        gaps.push(`${victim}: ${(longest / 1000).toFixed(1)} s`);
        assert.ok(longest <= LONGEST_GAP_MS, `kubectl went ${longest} ms without an answer while ${victim} was off`);
        const back = await lab.kubelab('fault', 'start', victim);
        assert.equal(back.exitCode, 0, back.all);
        await eventually(`haproxy to take ${victim} back`, async () => (await endpointView())[victim] === 'UP', 300_000);
        await eventually(`${victim} to be Ready`, async () => (await nodeReady(victim)) === 'True', 300_000);
      }
      console.log(`longest time without an answer through the endpoint, per controlplane node powered off: ${gaps.join(', ')}`);
    });

    test('the endpoint crashes (scenario api-endpoint-down): the host loses the API, the cluster does not (nodes Ready past the grace period, a workload answers); started again, the API is back', async () => {
      const coredns = (await kubectl('-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns', '-o', 'jsonpath={.items[0].status.podIP}')).stdout.trim();
      assert.match(coredns, /^10\.42\./);
      const nodes = await LabNodes.fromSpec(lab.spec, lab.outDir);
      // The scenario crashes lb and keeps it off for 50 s after the API went; the host's own checks run meanwhile.
      const scenario = lab.runScenario('api-endpoint-down');
      await eventually(
        'the API to go with the endpoint',
        async () => (await kubectl('get', '--raw', '/readyz', '--request-timeout=3s')).exitCode !== 0,
        60_000,
      );
      const status = await lab.kubelab('status');
      assert.equal(status.exitCode, 0, status.all);
      assert.match(status.stdout, /note: the API server did not answer/);
      // RKE's node-monitor-grace-period is 40 s: past it, a node that lost the API would be NotReady.
      await sleep(42_000);
      const direct = ['--server', `https://${HA_NODES['cp-2']}:6443`];
      for (const node of Object.keys(HA_NODES).filter((n) => n !== 'lb'))
        assert.equal(await nodeReady(node, ...direct), 'True', `${node}, asked of cp-2 directly`);
      assert.equal(await nodes.must('worker-1', `curl -sf --max-time 5 http://${coredns}:8080/health`), 'OK', 'CoreDNS answers on the pod network');
      const { report, exitCode, all } = await scenario;
      assert.equal(exitCode, 0, all);
      assert.equal(report.verdict, 'pass', all);
      assert.deepEqual(report.picked, { endpoint: 'lb' });
      const lanes = computeLanes(report);
      assert.equal(lanes.api.length, 1, 'one outage of the API through the endpoint');
      // The API servers themselves never went, and the observer saw the nodes through them meanwhile: their leases kept being renewed.
      assert.deepEqual(
        lanes.apiServers.map((l) => [l.server, l.outages.length]),
        CONTROLPLANES.map((cp) => [cp, 0]),
      );
      const [outage] = lanes.api;
      const renewals = report.timeline.filter((o) => o.type === 'node-lease' && outage !== undefined && o.t > outage.from && o.t < outage.to);
      assert.ok(
        new Set(renewals.map((o) => (o.type === 'node-lease' ? o.node : ''))).size >= 4,
        'every node renewed its lease while the endpoint was down, as the observer saw',
      );
      assert.equal((await kubectl('get', '--raw', '/readyz', '--request-timeout=5s')).stdout.trim(), 'ok');
    });

    test('the HA scenarios through the CLI: the lease holder powered off, then two of three controlplane nodes; one lane per API server', async () => {
      const loss = await lab.runScenario('controlplane-node-loss');
      const leases = loss.report.timeline.filter((o) => o.type === 'leader-lease');
      // Whether a late move was Kubernetes' (taken late) or the lab's (seen late) shows in the leases.
      const seen = `${loss.all}\nthe leases seen:\n${JSON.stringify(leases, null, 1)}`;
      assert.equal(loss.exitCode, 0, seen);
      assert.equal(loss.report.verdict, 'pass', seen);
      const victim = loss.report.picked.victim ?? '';
      // The move is dated by the lease's acquireTime, and how late the observer saw it is kept beside it.
      const powerOff = loss.report.steps.find((s) => s.id === 'power-off')?.atMs ?? 0;
      const moved = leases.find((o) => o.t > powerOff && o.lease === 'kube-controller-manager' && o.holder !== victim && o.holder !== null);
      assert.ok(moved?.type === 'leader-lease' && moved.takenMsBeforeSeen !== undefined && moved.takenMsBeforeSeen >= 0, seen);
      assert.ok(CONTROLPLANES.includes(victim as (typeof CONTROLPLANES)[number]), `the controller-manager's holder, ${victim}`);
      const lossLanes = computeLanes(loss.report);
      assert.deepEqual(
        lossLanes.apiServers.map((l) => l.server),
        [...CONTROLPLANES],
      );
      const powerOn = loss.report.steps.find((s) => s.id === 'power-on')?.atMs ?? 0;
      for (const { server, outages } of lossLanes.apiServers) {
        const shown = `${server}'s outages ${JSON.stringify(outages)}, power-off at ${powerOff} ms, power-on at ${powerOn} ms`;
        if (server === victim) {
          const [off, ...after] = outages;
          assert.ok(
            off && off.from >= powerOff && off.to >= powerOn,
            `${victim}'s API server was down from the power-off until after the power came back: ${shown}`,
          );
          // Back, it may go once more for seconds: its etcd member rejoins and can call an election, which every lane then shows.
          for (const o of after) assert.ok(o.from >= off.to && o.to - o.from <= 15_000, `${victim}'s API server went again for long: ${shown}`);
        } else {
          // When the victim led etcd too, every API server's /readyz fails while etcd elects another leader: seconds, not more.
          for (const o of outages) assert.ok(o.to - o.from <= 15_000, `${server}'s API server was down ${o.to - o.from} ms: ${shown}`);
        }
      }
      const detection = loss.report.settings.find((s) => s.name === 'endpoint-detection-time');
      assert.equal(detection?.ms, 12_000, 'read from haproxy.cfg on lb: 3 × (2 s + 2 s)');
      assert.match(await fs.readFile(path.join(loss.reportDir, 'timeline.svg'), 'utf8'), new RegExp(`API ${victim}`));

      const majority = await lab.runScenario('controlplane-majority-loss');
      assert.equal(majority.exitCode, 0, majority.all);
      assert.equal(majority.report.verdict, 'pass', majority.all);
      const { a, b } = majority.report.picked;
      const survivor = CONTROLPLANES.find((cp) => cp !== a && cp !== b);
      const majorityLanes = computeLanes(majority.report);
      // Each went at least once; the survivor's may come and go again while etcd's members return one by one.
      for (const lane of majorityLanes.apiServers)
        assert.ok(lane.outages.length >= 1, `${lane.server}'s API server went too${lane.server === survivor ? ' (its etcd had no quorum)' : ''}`);
      assert.ok(
        majorityLanes.etcd.leaders.some((l) => l.value === null),
        'etcd had no leader',
      );
      for (const cp of CONTROLPLANES) assert.equal(await nodeReady(cp), 'True');
    });

    test('destroy removes the lab, the endpoint machine with it, and its network', async () => {
      await destroyAndAssertClean(lab.dir, HA_EXAMPLE.name, Object.keys(HA_NODES).length, `${NET}.`);
    });
  });
}
