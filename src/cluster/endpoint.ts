import type { ApiEndpointModel } from '../model.js';

/** kube-apiserver's port on every controlplane node, and the endpoint's. */
export const API_PORT = 6443;

/**
 * How haproxy judges an API server, decided here and written into its configuration: readiness, not
 * a TCP connect, because a frozen API server's kernel still accepts connections. Every 2 s with a 2 s timeout, out after 3 failures (about 6–8 s), back after 2 passes;
 * a faster check flaps on a loaded 2-core host, where /readyz can take over a second.
 */
export const ENDPOINT_CHECK: ApiEndpointModel['check'] = { path: '/readyz', intervalMs: 2000, timeoutMs: 2000, fall: 3, rise: 2 };

/** The name kubelab gives the loadbalancer machine it adds for two or more controlplane nodes. */
export const AUTO_ENDPOINT_NODE = 'lb';

/** Where haproxy shows what it thinks of each API server (`/stats`, `;csv` for scripts). */
export const HAPROXY_STATS_PORT = 8404;

/** The address of haproxy's CSV page on the endpoint's machine. */
export const endpointStatsUrl = (address: string): string => `http://${address}:${HAPROXY_STATS_PORT}/stats;csv`;

/**
 * haproxy's status of each API server (UP, DOWN, "UP 1/3", …) from its CSV page: the rows of the
 * backend kube-apiservers, by server name; the text comes from a machine of the lab, so a row that
 * is short or malformed is left out.
 */
export function apiServerStates(csv: string): Record<string, string> {
  const states: Record<string, string> = {};
  for (const line of csv.split('\n')) {
    const fields = line.split(',');
    const server = fields[1];
    // Column 18 (pxname, svname, … status) is the status.
    if (fields[0] === 'kube-apiservers' && server && server !== 'BACKEND' && server !== 'FRONTEND' && fields[17] !== undefined) states[server] = fields[17];
  }
  return states;
}

/** The endpoint's URL, as kubeconfigs name a server. */
export const endpointUrl = (endpoint: ApiEndpointModel): string => `https://${endpoint.address}:${endpoint.port}`;
