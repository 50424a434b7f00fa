import {
  CoordinationV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  makeInformer,
  type Informer,
  type KubernetesListObject,
  type KubernetesObject,
  type V1EndpointSlice,
  type V1Lease,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { loadKubeconfigFile } from '../../input/kubeconfig.js';
import type { Observation } from '../types.js';

/** The test workload's Deployment and Service; the observer watches its pods and endpoints. */
export const WORKLOAD_NAME = 'web';
/** The leader-election leases of the control plane, in kube-system. */
const LEADER_LEASES = ['kube-controller-manager', 'kube-scheduler'];
/** Node conditions besides Ready that faults bring about. */
const PRESSURES = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];
/** After a watch breaks (the API went away), how soon it is tried again. */
const RESTART_MS = 1_000;

export async function loadKubeConfig(file: string): Promise<KubeConfig> {
  return loadKubeconfigFile(file);
}

/**
 * Watches (list + watch, through the Kubernetes client's informers) on nodes, node leases, the
 * workload's pods and endpoints, and the control plane's leader leases; each change that matters
 * becomes an observation. A broken watch is started again every second until `stop`: the API
 * going away is part of what is watched.
 */
export class KubeWatches {
  private readonly informers: Informer<KubernetesObject>[] = [];
  private stopped = false;
  private readonly last = new Map<string, string>();

  constructor(
    private readonly config: KubeConfig,
    /** The run's own namespace, where the test workload lives. */
    private readonly namespace: string,
    private readonly emit: (observation: Observation) => void,
  ) {}

  async start(): Promise<void> {
    const core = this.config.makeApiClient(CoreV1Api);
    const coordination = this.config.makeApiClient(CoordinationV1Api);
    const discovery = this.config.makeApiClient(DiscoveryV1Api);
    this.watch<V1Node>(
      '/api/v1/nodes',
      () => core.listNode(),
      (node, deleted) => this.onNode(node, deleted),
    );
    this.watch<V1Lease>(
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
      () => coordination.listNamespacedLease({ namespace: 'kube-node-lease' }),
      (lease) => this.onNodeLease(lease),
    );
    this.watch<V1Lease>(
      '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
      () => coordination.listNamespacedLease({ namespace: 'kube-system' }),
      (lease) => this.onLeaderLease(lease),
    );
    this.watch<V1Pod>(
      `/api/v1/namespaces/${this.namespace}/pods`,
      () => core.listNamespacedPod({ namespace: this.namespace, labelSelector: `app=${WORKLOAD_NAME}` }),
      (pod, deleted) => this.onPod(pod, deleted),
      `app=${WORKLOAD_NAME}`,
    );
    this.watch<V1EndpointSlice>(
      `/apis/discovery.k8s.io/v1/namespaces/${this.namespace}/endpointslices`,
      () => discovery.listNamespacedEndpointSlice({ namespace: this.namespace, labelSelector: `kubernetes.io/service-name=${WORKLOAD_NAME}` }),
      (slice) => this.onEndpoints(slice),
      `kubernetes.io/service-name=${WORKLOAD_NAME}`,
    );
    await Promise.all(this.informers.map((informer) => this.begin(informer)));
  }

  /** Starts a watch; one that cannot start (the API is away) is tried again shortly. */
  private async begin(informer: Informer<KubernetesObject>): Promise<void> {
    if (this.stopped) return;
    await informer.start().catch(() => this.again(informer));
  }

  private again(informer: Informer<KubernetesObject>): void {
    if (!this.stopped) setTimeout(() => void this.begin(informer), RESTART_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((informer) => informer.stop().catch(() => undefined)));
  }

  private watch<T extends KubernetesObject>(
    path: string,
    list: () => Promise<KubernetesListObject<T>>,
    onChange: (object: T, deleted: boolean) => void,
    labelSelector?: string,
  ): void {
    const informer = makeInformer<T>(this.config, path, list, labelSelector);
    informer.on('add', (object) => onChange(object, false));
    informer.on('update', (object) => onChange(object, false));
    informer.on('delete', (object) => onChange(object, true));
    informer.on('error', () => this.again(informer));
    this.informers.push(informer as unknown as Informer<KubernetesObject>);
  }

  /** Emits only what changed since the last word on the same thing. */
  private changed(key: string, value: string, observation: Observation): void {
    if (this.last.get(key) === value) return;
    this.last.set(key, value);
    this.emit(observation);
  }

  private onNode(node: V1Node, deleted: boolean): void {
    const name = node.metadata?.name ?? '';
    if (deleted) return;
    const conditions = node.status?.conditions ?? [];
    const ready = conditions.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
    const status = ready === 'True' || ready === 'False' ? ready : 'Unknown';
    this.changed(`ready/${name}`, status, { type: 'node-ready', node: name, status });
    for (const type of PRESSURES) {
      const condition = conditions.find((c) => c.type === type);
      if (condition)
        this.changed(`condition/${name}/${type}`, condition.status, { type: 'node-condition', node: name, condition: type, status: condition.status });
    }
    const taints = new Map((node.spec?.taints ?? []).map((t) => [`${t.key}:${t.effect}`, t]));
    const known = [...this.last.keys()].filter((k) => k.startsWith(`taint/${name}/`));
    for (const key of known) {
      const id = key.slice(`taint/${name}/`.length);
      if (!taints.has(id) && this.last.get(key) === 'on') {
        const [taintKey = '', effect = ''] = id.split(':');
        this.changed(key, 'off', { type: 'node-taint', node: name, key: taintKey, effect, present: false });
      }
    }
    for (const [id, taint] of taints)
      this.changed(`taint/${name}/${id}`, 'on', { type: 'node-taint', node: name, key: taint.key, effect: taint.effect, present: true });
  }

  private onNodeLease(lease: V1Lease): void {
    const node = lease.metadata?.name ?? '';
    const renewTime = lease.spec?.renewTime;
    if (renewTime) this.changed(`lease/${node}`, new Date(renewTime).toISOString(), { type: 'node-lease', node, renewTime: new Date(renewTime).toISOString() });
  }

  private onLeaderLease(lease: V1Lease): void {
    const name = lease.metadata?.name ?? '';
    if (!LEADER_LEASES.includes(name)) return;
    // The holder is "node_uuid": the node is what a person follows.
    const holder = lease.spec?.holderIdentity?.replace(/_[0-9a-f-]{36}$/, '') ?? null;
    this.changed(`leader/${name}`, String(holder), { type: 'leader-lease', lease: name, holder });
  }

  private onPod(pod: V1Pod, deleted: boolean): void {
    const name = pod.metadata?.name ?? '';
    const node = pod.spec?.nodeName ?? null;
    const phase = pod.metadata?.deletionTimestamp && !deleted ? 'Terminating' : (pod.status?.phase ?? 'Unknown');
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    this.changed(`pod/${name}`, `${node}/${phase}/${ready}/${deleted}`, { type: 'pod', pod: name, node, phase, ready, deleted });
  }

  private onEndpoints(slice: V1EndpointSlice): void {
    const ready: string[] = [];
    const notReady: string[] = [];
    for (const endpoint of slice.endpoints ?? []) {
      const name = endpoint.targetRef?.name ?? endpoint.addresses.join(',');
      (endpoint.conditions?.ready === false ? notReady : ready).push(name);
    }
    ready.sort();
    notReady.sort();
    this.changed(`endpoints/${WORKLOAD_NAME}`, `${ready.join(',')}|${notReady.join(',')}`, { type: 'endpoints', service: WORKLOAD_NAME, ready, notReady });
  }
}
