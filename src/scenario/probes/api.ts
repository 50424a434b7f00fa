import { apiServerUrl } from '../../cluster/endpoint.js';
import { pollChanges, requestApi } from '../observe/poll.js';
import { NODE_KEY, type Probe } from './probe.js';

/** The API through the lab's kubeconfig, or (with `server`) one controlplane node's kube-apiserver asked directly. */
export type ApiCondition = { api: 'up' | 'down'; server?: string };
/**
 * The API's readiness as its clients get it, through the lab's kubeconfig (the lab's API endpoint
 * when it has one); with `server`, one controlplane node's kube-apiserver, asked directly.
 */
export type ApiObservation = { type: 'api'; up: boolean; error?: string; server?: string };

interface ApiState {
  /** Through the kubeconfig; undefined until the first answer. */
  clients: boolean | undefined;
  /** Each API server asked directly, by node. */
  servers: Map<string, boolean>;
}

/**
 * Whether the API server is ready: /readyz every second, each change an observation. Each
 * controlplane node's API server is asked directly too, so that a scenario can wait for one of
 * them, and the report shows (one lane each, with several) which of them went while the clients'
 * API stayed.
 */
export const apiProbe: Probe<ApiCondition, ApiState, ApiObservation, 'api-up'> = {
  name: 'api',
  runs: 'always',
  conditions: {
    keys: {
      api: {
        description:
          "The Kubernetes API answers /readyz (up) or does not (down): through the lab's kubeconfig (the API endpoint, when the lab has one), or, with server, that node's kube-apiserver asked directly.",
        enum: ['up', 'down'],
      },
      server: NODE_KEY,
    },
    forms: [{ keys: { api: true, server: true }, optional: ['server'], example: '{api: up|down, server: N}' }],
    preconditions: { 'api-up': () => [{ api: 'up' }] },
    initial: () => ({ clients: undefined, servers: new Map() }),
    fold(state, entry) {
      if (entry.type !== 'api') return;
      if (entry.server === undefined) state.clients = entry.up;
      else state.servers.set(entry.server, entry.up);
    },
    holds(condition, { now }) {
      const up = condition.server === undefined ? now.clients : now.servers.get(condition.server);
      return up === (condition.api === 'up');
    },
    describe: (condition) => (condition.server === undefined ? `the API ${condition.api}` : `${condition.server}'s kube-apiserver ${condition.api}`),
  },
  async start(run) {
    const servers = run.nodes.filter((n) => n.ref.roles.includes('controlplane'));
    const stops = [
      pollChanges(
        () => requestApi(run.config, 'GET', '/readyz', undefined, 2_000),
        (a) => run.emit(a.ok ? { type: 'api', up: true } : { type: 'api', up: false, error: a.error }),
      ),
      ...servers.map((node) =>
        pollChanges(
          () => requestApi(run.config, 'GET', '/readyz', undefined, 2_000, apiServerUrl(node.ip)),
          (a) => run.emit(a.ok ? { type: 'api', up: true, server: node.name } : { type: 'api', up: false, error: a.error, server: node.name }),
        ),
      ),
    ];
    return () => stops.forEach((stop) => stop());
  },
};
