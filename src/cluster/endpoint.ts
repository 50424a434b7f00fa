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

/** The endpoint's URL, as kubeconfigs name a server. */
export const endpointUrl = (endpoint: ApiEndpointModel): string => `https://${endpoint.address}:${endpoint.port}`;
