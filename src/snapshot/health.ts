import { KubelabError } from '../errors.js';
import type { LabNode } from '../nodes/node.js';
import { capture, InterruptedError } from '../exec/run.js';
import { parseJsonOutput } from '../input/json.js';
import { array, object, optional, string } from '../input/shape.js';

const KUBECTL_HINT = "kubectl printed what it never prints: check the kubectl kubelab runs and the server in the lab's kubeconfig";

/**
 * Whether a cluster that was just started from saved machines really runs now. Ready flags and pod
 * phases in etcd are as they were at the snapshot, so they prove nothing: a kubelet proves it runs
 * by renewing its node's Lease after the start, etcd by every member of the snapshot answering a
 * health check that commits a proposal, and the API server by reaching its aggregated APIs again.
 */

/** What the etcd member on `node` says: the cluster's member ids (hex) and which endpoints are healthy. */
export async function etcdView(node: LabNode): Promise<{ members: string[]; healthy: number; endpoints: number } | { error: string }> {
  const result = await node.run(
    `set -o pipefail
docker exec etcd etcdctl member list --hex -w simple --command-timeout=3s | cut -d, -f1
echo ---
docker exec etcd etcdctl endpoint health --cluster -w simple --command-timeout=3s 2>&1 || true`,
    { timeoutMs: 30_000, connectTimeoutSeconds: 5 },
  );
  if (result.code !== 0) return { error: (result.stderr.trim().split('\n').pop() ?? '') || `exit ${result.code}` };
  const [list = '', health = ''] = result.stdout.split('---\n');
  const members = list
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
  if (members.length === 0) return { error: 'no answer yet' };
  const lines = health.split('\n').filter((l) => / is (un)?healthy/.test(l));
  return { members, healthy: lines.filter((l) => / is healthy/.test(l)).length, endpoints: lines.length };
}

/** Each node's Lease renewal time, as the API server has it now. */
async function leaseRenewals(kubectl: string, kubeconfig: string): Promise<Map<string, Date> | undefined> {
  const result = await capture(kubectl, ['--kubeconfig', kubeconfig, '--request-timeout=5s', 'get', 'leases', '-n', 'kube-node-lease', '-o', 'json'], {
    timeoutMs: 15_000,
  });
  if (!result.ok) return undefined;
  const list = parseJsonOutput(result.stdout, 'kubectl get leases', {
    shape: object({ items: array(object({ metadata: object({ name: string }), spec: optional(object({ renewTime: optional(string) })) })) }),
    hint: KUBECTL_HINT,
  });
  return new Map(list.items.filter((i) => i.spec?.renewTime).map((i) => [i.metadata.name, new Date(i.spec!.renewTime!)]));
}

/** The aggregated APIs (metrics-server's) that do not answer: namespaces cannot be deleted while one does not. */
async function unavailableApis(kubectl: string, kubeconfig: string): Promise<string[] | undefined> {
  const result = await capture(kubectl, ['--kubeconfig', kubeconfig, '--request-timeout=5s', 'get', 'apiservices', '-o', 'json'], { timeoutMs: 15_000 });
  if (!result.ok) return undefined;
  const conditions = optional(array(object({ type: string, status: string })));
  const list = parseJsonOutput(result.stdout, 'kubectl get apiservices', {
    shape: object({ items: array(object({ metadata: object({ name: string }), status: optional(object({ conditions })) })) }),
    hint: KUBECTL_HINT,
  });
  return list.items.filter((i) => !i.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True')).map((i) => i.metadata.name);
}

export interface HealthGoal {
  etcdNodes: LabNode[];
  /** The member ids etcd must have; undefined: whichever it has. */
  members: string[] | undefined;
  nodes: string[];
  since: Date;
  kubectl: string;
  kubeconfig: string;
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
    const view = await firstAnswer(goal.etcdNodes);
    if ('error' in view) missing.push(`etcd does not answer (${view.error})`);
    else {
      members = view.members;
      if (goal.members && view.members.join(',') !== goal.members.join(',')) {
        missing.push(`etcd's members are ${view.members.join(', ') || 'none'}, the snapshot's ${goal.members.join(', ')}`);
      }
      if (view.endpoints === 0 || view.healthy < view.endpoints) missing.push(`etcd: ${view.healthy} of ${view.endpoints || '?'} members healthy`);
    }
    const leases = await leaseRenewals(goal.kubectl, goal.kubeconfig);
    if (!leases) missing.push('the API server does not answer');
    else {
      const stale = goal.nodes.filter((n) => !((leases.get(n)?.getTime() ?? 0) > goal.since.getTime()));
      if (stale.length > 0) missing.push(`no Lease renewed since the start by ${stale.join(', ')}`);
      const apis = await unavailableApis(goal.kubectl, goal.kubeconfig);
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

async function firstAnswer(nodes: LabNode[]): Promise<Awaited<ReturnType<typeof etcdView>>> {
  let last: Awaited<ReturnType<typeof etcdView>> = { error: 'no etcd node' };
  for (const node of nodes) {
    last = await etcdView(node);
    if (!('error' in last)) return last;
  }
  return last;
}
