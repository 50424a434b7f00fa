import { API_PORT } from '../../cluster/endpoint.js';
import { pollChanges, requestApi } from '../observe/poll.js';
import { yesOrNo, type Probe } from './probe.js';

export type ApiCondition = { api: 'up' | 'down' };
/**
 * The API's readiness as its clients get it, through the lab's kubeconfig (the lab's API endpoint
 * when it has one); with `server`, one controlplane node's kube-apiserver, asked directly.
 */
export type ApiObservation = { type: 'api'; up: boolean; error?: string; server?: string };

/**
 * Whether the API server is ready: /readyz every second, each change an observation. With several
 * controlplane nodes, each API server is asked directly too (one lane each in the report), so that
 * the report shows which of them went while the clients' API stayed.
 */
export const apiProbe: Probe<ApiCondition, { answer: boolean | undefined }, ApiObservation, 'api-up'> = {
  name: 'api',
  runs: 'always',
  conditions: yesOrNo({
    key: 'api',
    words: ['up', 'down'],
    description: "The Kubernetes API answers (up) or does not (down), through the lab's kubeconfig: the API endpoint, when the lab has one.",
    answer: (entry) => (entry.type === 'api' && entry.server === undefined ? entry.up : undefined),
    describe: (word) => `the API ${word}`,
    precondition: 'api-up',
  }),
  async start(run) {
    const servers = run.nodes.filter((n) => n.ref.roles.includes('controlplane'));
    const stops = [
      pollChanges(
        () => requestApi(run.config, 'GET', '/readyz', undefined, 2_000),
        (a) => run.emit(a.ok ? { type: 'api', up: true } : { type: 'api', up: false, error: a.error }),
      ),
      ...(servers.length < 2
        ? []
        : servers.map((node) =>
            pollChanges(
              () => requestApi(run.config, 'GET', '/readyz', undefined, 2_000, `https://${node.ip}:${API_PORT}`),
              (a) => run.emit(a.ok ? { type: 'api', up: true, server: node.name } : { type: 'api', up: false, error: a.error, server: node.name }),
            ),
          )),
    ];
    return () => stops.forEach((stop) => stop());
  },
};
