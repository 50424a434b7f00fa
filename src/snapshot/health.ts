import { KubelabError } from '../errors.js';
import { firstEtcdView } from '../cluster/etcd.js';
import type { LabNode } from '../nodes/node.js';
import { InterruptedError } from '../exec/run.js';
import type { ClusterApi } from '../cluster/kube.js';

/**
 * Whether a cluster that was just started from saved machines really runs now. Ready flags and pod
 * phases in etcd are as they were at the snapshot, so they prove nothing: a kubelet proves it runs
 * by renewing its node's Lease after the start, etcd by every member of the snapshot answering a
 * health check that commits a proposal, and the API server by reaching its aggregated APIs again.
 */

export interface HealthGoal {
  etcdNodes: readonly LabNode[];
  /** The member ids etcd must have; undefined: whichever it has. */
  members: string[] | undefined;
  nodes: string[];
  since: Date;
  cluster: ClusterApi;
  timeoutMs: number;
  signal: AbortSignal;
  onPoll: (status: string) => void;
}

/**
 * Waits until etcd is whole and healthy, every node's Lease was renewed after `since` and every
 * APIService answers; returns etcd's members.
 */
export async function waitForHealth(goal: HealthGoal): Promise<string[]> {
  const deadline = Date.now() + goal.timeoutMs;
  let missing: string[] = [];
  for (;;) {
    missing = [];
    let members: string[] | undefined;
    const view = await firstEtcdView(goal.etcdNodes);
    if ('error' in view) missing.push(`etcd does not answer (${view.error})`);
    else {
      members = view.members;
      if (goal.members && view.members.join(',') !== goal.members.join(',')) {
        missing.push(`etcd's members are ${view.members.join(', ') || 'none'}, the snapshot's ${goal.members.join(', ')}`);
      }
      if (view.endpoints === 0 || view.healthy < view.endpoints) missing.push(`etcd: ${view.healthy} of ${view.endpoints || '?'} members healthy`);
    }
    const leases = await goal.cluster.nodeLeaseRenewals();
    if (!leases) missing.push('the API server does not answer');
    else {
      const stale = goal.nodes.filter((n) => !((leases.get(n)?.getTime() ?? 0) > goal.since.getTime()));
      if (stale.length > 0) missing.push(`no Lease renewed since the start by ${stale.join(', ')}`);
      const apis = await goal.cluster.unavailableApiServices();
      if (apis && apis.length > 0) missing.push(`APIService ${apis.join(', ')} not available`);
    }
    if (missing.length === 0 && members) return members;
    goal.onPoll(missing.join('; '));
    if (goal.signal.aborted) throw new InterruptedError('waiting for the cluster to be healthy');
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  throw new KubelabError(`the cluster is not healthy ${Math.round(goal.timeoutMs / 1000)}s after the start: ${missing.join('; ')}`, {
    hint: '`kubelab status` and `kubelab kubectl get nodes` show more; the logs of etcd and the kubelet are on the nodes (`docker logs etcd`)',
  });
}
