import type { V1EndpointSlice, V1Pod } from '@kubernetes/client-node';
import { Changes, kubeClient, NODE_KEY, type Probe } from './probe.js';

/** The test workload's Deployment and Service (src/scenario/workload.ts makes them); this probe watches its pods and endpoints. */
export const WORKLOAD_NAME = 'web';

export type WorkloadCondition =
  /** Every replica Ready, or not (not-ready: fewer Ready than the scenario asks for). */
  | { workload: 'ready' | 'not-ready' }
  /** Every replica Ready and none on this node: the pods were evicted and rescheduled. */
  | { workload: 'moved-off'; node: string };

export type WorkloadObservation =
  | { type: 'pod'; pod: string; node: string | null; phase: string; ready: boolean; deleted: boolean }
  | { type: 'endpoints'; service: string; ready: string[]; notReady: string[] };

/** The test workload's pods that exist. */
type Pods = Map<string, { node: string | null; phase: string; ready: boolean }>;

/** The test workload: its pods (phase, node, readiness) and its Service's endpoints, watched in the run's namespace. */
export const workloadProbe: Probe<WorkloadCondition, Pods, WorkloadObservation, 'workload-ready'> = {
  name: 'workload',
  runs: 'always',
  conditions: {
    keys: {
      workload: {
        description: 'Every replica is Ready (ready), or fewer are (not-ready), or every one is Ready and none on `node` (moved-off: evicted and rescheduled).',
        enum: ['ready', 'not-ready', 'moved-off'],
      },
      node: NODE_KEY,
    },
    forms: [
      { keys: { workload: { enum: ['ready', 'not-ready'] } }, example: '{workload: ready|not-ready}' },
      { keys: { workload: { const: 'moved-off' }, node: true }, example: '{workload: moved-off, node: N}' },
    ],
    needsWorkload: true,
    preconditions: { 'workload-ready': () => [{ workload: 'ready' }] },
    implied: (doc) => (doc.workload ? ['workload-ready'] : []),
    initial: () => new Map(),
    fold(pods, entry) {
      if (entry.type !== 'pod') return;
      if (entry.deleted) pods.delete(entry.pod);
      else pods.set(entry.pod, { node: entry.node, phase: entry.phase, ready: entry.ready });
    },
    holds(condition, { now, doc }) {
      // A pod deleted on an unreachable node stays Terminating until its kubelet answers: it is gone for the workload.
      const pods = [...now.values()].filter((p) => p.phase !== 'Terminating');
      const ready = pods.filter((p) => p.ready && p.phase === 'Running');
      const allReady = ready.length >= (doc.workload?.replicas ?? 0);
      if (condition.workload === 'not-ready') return !allReady;
      if (condition.workload !== 'moved-off') return allReady;
      const { node } = condition;
      return allReady && pods.every((p) => p.node !== node);
    },
    describe: (condition) =>
      condition.workload === 'moved-off'
        ? `every replica Ready, none on ${condition.node}`
        : condition.workload === 'ready'
          ? 'every replica Ready'
          : 'a replica not Ready',
  },
  async start(run) {
    const { CoreV1Api, DiscoveryV1Api } = await kubeClient();
    const changes = new Changes<WorkloadObservation>((o) => run.emit(o));
    const { namespace } = run;
    await Promise.all([
      run.watch<V1Pod>({
        path: `/api/v1/namespaces/${namespace}/pods`,
        list: (config) => config.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: `app=${WORKLOAD_NAME}` }),
        labelSelector: `app=${WORKLOAD_NAME}`,
        onChange: (pod, deleted) => onPod(pod, deleted, changes),
      }),
      run.watch<V1EndpointSlice>({
        path: `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
        list: (config) =>
          config.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${WORKLOAD_NAME}` }),
        labelSelector: `kubernetes.io/service-name=${WORKLOAD_NAME}`,
        onChange: (slice) => onEndpoints(slice, changes),
      }),
    ]);
    return undefined;
  },
};

function onPod(pod: V1Pod, deleted: boolean, changes: Changes<WorkloadObservation>): void {
  const name = pod.metadata?.name ?? '';
  const node = pod.spec?.nodeName ?? null;
  const phase = pod.metadata?.deletionTimestamp && !deleted ? 'Terminating' : (pod.status?.phase ?? 'Unknown');
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  changes.report(`pod/${name}`, `${node}/${phase}/${ready}/${deleted}`, { type: 'pod', pod: name, node, phase, ready, deleted });
}

function onEndpoints(slice: V1EndpointSlice, changes: Changes<WorkloadObservation>): void {
  const ready: string[] = [];
  const notReady: string[] = [];
  for (const endpoint of slice.endpoints ?? []) {
    const name = endpoint.targetRef?.name ?? endpoint.addresses.join(',');
    (endpoint.conditions?.ready === false ? notReady : ready).push(name);
  }
  ready.sort();
  notReady.sort();
  changes.report(`endpoints/${WORKLOAD_NAME}`, `${ready.join(',')}|${notReady.join(',')}`, { type: 'endpoints', service: WORKLOAD_NAME, ready, notReady });
}
