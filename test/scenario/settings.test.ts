import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ComponentConfig } from '../../src/cluster/rke.js';
import { flagValue, lowerTolerations, settingsFrom } from '../../src/scenario/settings.js';

const container = (node: string, args: string[], env: string[] = []): ComponentConfig => ({ node, args, env });

describe('live settings', () => {
  test('a flag reads as --flag=value or --flag value; the last one wins, as in Go', () => {
    assert.equal(flagValue(['--a=1', '--b', '2', '--a=3'], 'a'), '3');
    assert.equal(flagValue(['--a=1', '--b', '2'], 'b'), '2');
    assert.equal(flagValue(['--ab=1'], 'a'), undefined);
  });

  test("RKE's flags are read with their source; an unset flag is the component's default, and says so", () => {
    const settings = settingsFrom(
      new Map([
        ['kube-controller-manager', container('cp', ['--node-monitor-grace-period=40s', '--leader-elect=true'])],
        ['etcd', container('etcd-1', ['--name=etcd-etcd-1'], ['ETCD_ELECTION_TIMEOUT=5000', 'ETCD_HEARTBEAT_INTERVAL=500'])],
        ['kubelet', container('worker-1', ['--node-status-update-frequency', '10s'])],
      ]),
    );
    const by = Object.fromEntries(settings.map((s) => [s.name, s]));
    assert.deepEqual(by['node-monitor-grace-period'], {
      name: 'node-monitor-grace-period',
      ms: 40_000,
      upstreamMs: 50_000,
      source: 'kube-controller-manager --node-monitor-grace-period=40s on cp',
    });
    assert.equal(by['etcd-election-timeout']?.ms, 5_000);
    assert.equal(by['etcd-election-timeout']?.source, 'etcd environment ETCD_ELECTION_TIMEOUT=5000 on etcd-1');
    assert.equal(by['etcd-heartbeat-interval']?.ms, 500);
    assert.equal(by['leader-lease-duration']?.ms, 15_000);
    assert.equal(by['leader-lease-duration']?.source, "kube-controller-manager's default (--leader-elect-lease-duration is not set on cp)");
    assert.equal(by['node-status-update-frequency']?.ms, 10_000);
    assert.match(by['not-ready-toleration']?.source ?? '', /^upstream default: no kube-apiserver container was found/);
  });

  test('a value that does not read as its unit falls back to the default rather than to nonsense', () => {
    const [grace] = settingsFrom(new Map([['kube-controller-manager', container('cp', ['--node-monitor-grace-period=soon'])]]));
    assert.equal(grace?.ms, 50_000);
  });

  test("the faster variant replaces the cluster's tolerations, and says so", () => {
    const cluster = settingsFrom(new Map([['kube-apiserver', container('cp', [])]]));
    assert.deepEqual(lowerTolerations(cluster, undefined), { settings: cluster, variants: [] });
    const { settings, variants } = lowerTolerations(cluster, 30);
    const unreachable = settings.find((s) => s.name === 'unreachable-toleration');
    assert.equal(unreachable?.ms, 30_000);
    assert.equal(unreachable?.source, "the scenario's workload (tolerationSeconds: 30); the cluster's is 5m");
    assert.deepEqual(variants, [
      "the test workload tolerates not-ready nodes for 30s, not the cluster's 5m (kube-apiserver's default (--default-not-ready-toleration-seconds is not set on cp)): eviction shows sooner",
      "the test workload tolerates unreachable nodes for 30s, not the cluster's 5m (kube-apiserver's default (--default-unreachable-toleration-seconds is not set on cp)): eviction shows sooner",
    ]);
    assert.equal(
      settings.find((s) => s.name === 'node-monitor-grace-period'),
      cluster.find((s) => s.name === 'node-monitor-grace-period'),
    );
  });
});
