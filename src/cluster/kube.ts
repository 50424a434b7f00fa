import {
  ApiregistrationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  Observable,
  type ConfigurationOptions,
  type ObservableMiddleware,
} from '@kubernetes/client-node';
import { loadKubeconfigFile } from '../input/kubeconfig.js';

/**
 * The one way kubelab reads the cluster's API for itself: the Kubernetes client for JavaScript on
 * the lab's kubeconfig. Chosen over kubectl because the scenario observer needs watches
 * (informers) anyway, it hands over typed objects instead of JSON text to parse, a read costs a
 * request rather than a process, and it needs no kubectl of the cluster's version on the host.
 * kubectl remains what people run: `kubelab kubectl` and a scenario's kubectl steps.
 */

/** Kubernetes' view of one node. */
export interface KubeNode {
  name: string;
  ready: boolean;
  version: string;
}

/** How long one read may take: an API server that does not answer is an answer too. */
const REQUEST_TIMEOUT_MS = 5_000;

/** Every request of a read gets its own deadline. */
const withDeadline = (ms: number): ConfigurationOptions => {
  const deadline: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(AbortSignal.timeout(ms));
      return new Observable(Promise.resolve(context));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [deadline], middlewareMergeStrategy: 'append' };
};

const why = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] || 'no answer';
};

/**
 * A copy of a kubeconfig whose server can be changed: the scenario observer's, which moves to
 * another API server of the cluster when its own goes away. Each controlplane node's
 * kube-apiserver has a certificate that names its address as well as the lab's endpoint, so the
 * same CA and credentials serve for all.
 */
export class MovableKubeConfig extends KubeConfig {
  private server: string | undefined;

  constructor(config: KubeConfig) {
    super();
    this.loadFromOptions({ clusters: config.clusters, users: config.users, contexts: config.contexts, currentContext: config.currentContext });
  }

  /** Every client made or request sent from now on goes to `server` (https://ADDRESS:PORT). */
  moveTo(server: string): void {
    this.server = server;
  }

  override getCurrentCluster(): ReturnType<KubeConfig['getCurrentCluster']> {
    const cluster = super.getCurrentCluster();
    return cluster && this.server !== undefined ? { ...cluster, server: this.server } : cluster;
  }
}

export class ClusterApi {
  private constructor(
    readonly config: KubeConfig,
    /** The kubeconfig file it was made from. */
    readonly kubeconfig: string,
  ) {}

  /** The cluster the kubeconfig file names (read as every file kubelab reads is); nothing is asked of it yet. */
  static async open(kubeconfig: string): Promise<ClusterApi> {
    return new ClusterApi(await loadKubeconfigFile(kubeconfig), kubeconfig);
  }

  private readonly options = withDeadline(REQUEST_TIMEOUT_MS);

  /** Every node as the API server has it; `error` says why it could not tell. */
  async nodes(): Promise<{ nodes: KubeNode[] } | { error: string }> {
    try {
      const list = await this.config.makeApiClient(CoreV1Api).listNode({}, this.options);
      return {
        nodes: list.items.map((item) => ({
          name: item.metadata?.name ?? '',
          ready: item.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
          version: item.status?.nodeInfo?.kubeletVersion ?? '',
        })),
      };
    } catch (error) {
      return { error: why(error) };
    }
  }

  /**
   * Polls until every named node is Ready. Resolves with the nodes still not Ready when the time is
   * up (empty when all are), so the caller decides how to report it.
   */
  async waitForReady(names: string[], options: { timeoutMs: number; onPoll?: (ready: string[]) => void; signal?: AbortSignal }): Promise<string[]> {
    const deadline = Date.now() + options.timeoutMs;
    let notReady = names;
    while (!options.signal?.aborted) {
      const result = await this.nodes();
      if ('nodes' in result) {
        const ready = new Set(result.nodes.filter((n) => n.ready).map((n) => n.name));
        notReady = names.filter((n) => !ready.has(n));
        options.onPoll?.([...ready]);
        if (notReady.length === 0) return [];
      }
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    return notReady;
  }

  /** Each node's Lease renewal time; undefined when the API server does not answer. */
  async nodeLeaseRenewals(): Promise<Map<string, Date> | undefined> {
    try {
      const list = await this.config.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: 'kube-node-lease' }, this.options);
      const renewed = new Map<string, Date>();
      for (const lease of list.items) {
        const at = lease.spec?.renewTime;
        if (lease.metadata?.name && at) renewed.set(lease.metadata.name, new Date(at));
      }
      return renewed;
    } catch {
      return undefined;
    }
  }

  /** The aggregated APIs (metrics-server's) that do not answer; undefined when the API server does not. */
  async unavailableApiServices(): Promise<string[] | undefined> {
    try {
      const list = await this.config.makeApiClient(ApiregistrationV1Api).listAPIService({}, this.options);
      return list.items.filter((i) => !i.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True')).map((i) => i.metadata?.name ?? '');
    } catch {
      return undefined;
    }
  }
}
