import type { V1Lease, V1Node } from '@kubernetes/client-node';
import { Changes, kubeClient, NODE_KEY, type Probe } from './probe.js';

export type NodeCondition =
  | { node: string; ready: boolean }
  | { node: string; taint: string; present?: boolean }
  | { node: string; condition: string; status: boolean }
  /**
   * The node's kubelet renewed its lease since the steps began (before them: since the observer
   * started). A node can read Ready while its kubelet has stopped reporting, until
   * node-monitor-grace-period runs out: a scenario that begins then would see the node go Unknown
   * for a reason from before its steps.
   */
  | { node: string; renewed: boolean }
  /** Every node the cluster has is Ready (ready), or one at least is not (not-ready). */
  | { nodes: 'ready' | 'not-ready' };

export type NodeObservation =
  | { type: 'node-ready'; node: string; status: 'True' | 'False' | 'Unknown' }
  | { type: 'node-taint'; node: string; key: string; effect: string; present: boolean }
  | { type: 'node-condition'; node: string; condition: string; status: string }
  | { type: 'node-lease'; node: string; renewTime: string };

interface NodesState {
  ready: Map<string, string>;
  /** node → taint keys present. */
  taints: Map<string, Set<string>>;
  /** node → condition type → status. */
  conditions: Map<string, Map<string, string>>;
  /** node → how many renewals of its lease were seen, the first sighting included. */
  leaseRenewals: Map<string, number>;
}

/** Node conditions besides Ready that faults bring about. */
const PRESSURES = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

/**
 * The nodes as Kubernetes has them: Ready, taints and pressure conditions (a watch on the nodes),
 * and each kubelet's lease renewals (a watch on kube-node-lease), which show when a node stopped
 * reporting.
 */
export const nodesProbe: Probe<NodeCondition, NodesState, NodeObservation, 'nodes-ready'> = {
  name: 'nodes',
  runs: 'always',
  conditions: {
    keys: {
      node: NODE_KEY,
      ready: { description: "With node: the node's Ready condition is True (true) or not (false).", type: 'boolean' },
      taint: {
        description: 'With node: a taint key, such as node.kubernetes.io/unreachable.',
        type: 'string',
        maxLength: 317,
        pattern: '^([a-z0-9.-]+/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$',
        'x-expected': 'a taint key such as node.kubernetes.io/unreachable',
      },
      present: { description: 'With taint: wait for the taint to be there (true, the default) or gone (false).', type: 'boolean' },
      condition: {
        description: 'With node and status: a node condition type, such as MemoryPressure or DiskPressure.',
        type: 'string',
        pattern: '^[A-Z][A-Za-z0-9]{0,62}$',
        'x-expected': 'a node condition type such as DiskPressure',
      },
      status: { description: 'With condition: the condition is True (true) or False (false).', type: 'boolean' },
      renewed: {
        description: "With node: the node's kubelet renewed its lease since the steps began (true), or has not (false).",
        type: 'boolean',
      },
      nodes: { description: 'Every node of the cluster is Ready (ready), or one at least is not (not-ready).', enum: ['ready', 'not-ready'] },
    },
    forms: [
      { keys: { node: true, ready: true }, example: '{node: N, ready: true|false}' },
      { keys: { node: true, taint: true, present: true }, optional: ['present'], example: '{node: N, taint: KEY, present: true|false}' },
      { keys: { node: true, condition: true, status: true }, example: '{node: N, condition: TYPE, status: true|false}' },
      { keys: { node: true, renewed: true }, example: '{node: N, renewed: true|false}' },
      { keys: { nodes: true }, example: '{nodes: ready|not-ready}' },
    ],
    // Renewing first: a node whose kubelet stopped reporting before the run still reads Ready.
    preconditions: {
      'nodes-ready': (nodes) =>
        nodes.flatMap((node) => [
          { node, renewed: true },
          { node, ready: true },
        ]),
    },
    initial: () => ({ ready: new Map(), taints: new Map(), conditions: new Map(), leaseRenewals: new Map() }),
    fold(state, entry) {
      if (entry.type === 'node-ready') state.ready.set(entry.node, entry.status);
      else if (entry.type === 'node-lease') state.leaseRenewals.set(entry.node, (state.leaseRenewals.get(entry.node) ?? 0) + 1);
      else if (entry.type === 'node-taint') {
        const keys = state.taints.get(entry.node) ?? new Set<string>();
        if (entry.present) keys.add(entry.key);
        else keys.delete(entry.key);
        state.taints.set(entry.node, keys);
      } else if (entry.type === 'node-condition') {
        const conditions = state.conditions.get(entry.node) ?? new Map<string, string>();
        conditions.set(entry.condition, entry.status);
        state.conditions.set(entry.node, conditions);
      }
    },
    holds(condition, { now, atStepsStart }) {
      if ('renewed' in condition) {
        const seen = now.leaseRenewals.get(condition.node) ?? 0;
        // Before the steps, the first sighting is the lease as the observer found it, not a renewal.
        const renewed = atStepsStart ? seen > (atStepsStart.leaseRenewals.get(condition.node) ?? 0) : seen > 1;
        return renewed === condition.renewed;
      }
      if ('nodes' in condition) {
        const all = now.ready.size > 0 && [...now.ready.values()].every((status) => status === 'True');
        return all === (condition.nodes === 'ready');
      }
      if ('ready' in condition) return (now.ready.get(condition.node) === 'True') === condition.ready;
      if ('taint' in condition) return (now.taints.get(condition.node)?.has(condition.taint) ?? false) === (condition.present ?? true);
      return (now.conditions.get(condition.node)?.get(condition.condition) === 'True') === condition.status;
    },
    describe(condition) {
      if ('nodes' in condition) return condition.nodes === 'ready' ? 'every node Ready' : 'a node not Ready';
      if ('ready' in condition) return `${condition.node} ${condition.ready ? 'Ready' : 'not Ready'}`;
      if ('renewed' in condition) return `${condition.node}'s kubelet ${condition.renewed ? 'renewed' : 'has not renewed'} its lease`;
      if ('taint' in condition) return `${condition.node} ${condition.present === false ? 'without' : 'tainted'} ${condition.taint}`;
      return `${condition.node} ${condition.condition}=${condition.status ? 'True' : 'False'}`;
    },
  },
  async start(run) {
    const { CoordinationV1Api, CoreV1Api } = await kubeClient();
    const changes = new Changes<NodeObservation>((o) => run.emit(o));
    await Promise.all([
      run.watch<V1Node>({
        path: '/api/v1/nodes',
        list: (config) => config.makeApiClient(CoreV1Api).listNode(),
        onChange: (node, deleted) => onNode(node, deleted, changes),
      }),
      run.watch<V1Lease>({
        path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
        list: (config) => config.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: 'kube-node-lease' }),
        onChange: (lease) => onNodeLease(lease, changes),
      }),
    ]);
    return undefined;
  },
};

function onNode(node: V1Node, deleted: boolean, changes: Changes<NodeObservation>): void {
  const name = node.metadata?.name ?? '';
  if (deleted) return;
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
  const status = ready === 'True' || ready === 'False' ? ready : 'Unknown';
  changes.report(`ready/${name}`, status, { type: 'node-ready', node: name, status });
  for (const type of PRESSURES) {
    const condition = conditions.find((c) => c.type === type);
    if (condition)
      changes.report(`condition/${name}/${type}`, condition.status, { type: 'node-condition', node: name, condition: type, status: condition.status });
  }
  const taints = new Map((node.spec?.taints ?? []).map((t) => [`${t.key}:${t.effect}`, t]));
  const prefix = `taint/${name}/`;
  for (const [key, value] of changes.under(prefix)) {
    const id = key.slice(prefix.length);
    if (!taints.has(id) && value === 'on') {
      const [taintKey = '', effect = ''] = id.split(':');
      changes.report(key, 'off', { type: 'node-taint', node: name, key: taintKey, effect, present: false });
    }
  }
  for (const [id, taint] of taints)
    changes.report(`${prefix}${id}`, 'on', { type: 'node-taint', node: name, key: taint.key, effect: taint.effect, present: true });
}

function onNodeLease(lease: V1Lease, changes: Changes<NodeObservation>): void {
  const node = lease.metadata?.name ?? '';
  const renewTime = lease.spec?.renewTime;
  if (renewTime) changes.report(`lease/${node}`, new Date(renewTime).toISOString(), { type: 'node-lease', node, renewTime: new Date(renewTime).toISOString() });
}
