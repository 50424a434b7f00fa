import type { ApiEndpointModel } from '../model.js';
import { parseDuration } from '../units.js';

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

/** One controlplane node's kube-apiserver, asked directly: its certificate names the node's address as well as the endpoint's. */
export const apiServerUrl = (ip: string): string => `https://${ip}:${API_PORT}`;

/** The endpoint's URL, as kubeconfigs name a server. */
export const endpointUrl = (endpoint: ApiEndpointModel): string => `https://${endpoint.address}:${endpoint.port}`;

/** Where provisioning writes haproxy's configuration on the endpoint's machine. */
export const HAPROXY_CONFIG = '/etc/haproxy/haproxy.cfg';

/** How haproxy checks the API servers, as its configuration says, and the line each value came from. */
export interface EndpointChecks {
  intervalMs: number;
  timeoutMs: number;
  fall: number;
  rise: number;
  /** "inter 2000ms fall 3 rise 2 (default-server), timeout check 2000ms" */
  source: string;
}

/** haproxy's own defaults, for what its configuration leaves out. */
const HAPROXY_DEFAULTS = { intervalMs: 2000, fall: 3, rise: 2 };

/** haproxy's time format: a number with an optional unit, milliseconds without one. */
function haproxyTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return /^[0-9]+$/.test(text) ? Number(text) : parseDuration(text);
}

/**
 * The API servers' checks from haproxy's configuration as it is on the machine (read back, not
 * assumed from the spec: a user may have changed it): the `default-server` line of the backend
 * (a `server` line's own inter/fall/rise is not read: kubelab writes none) and `timeout check`.
 * The text is a machine's: what does not parse falls back to haproxy's defaults, and the source says so.
 */
export function parseEndpointChecks(config: string): EndpointChecks {
  const lines = config.split('\n').map((line) => line.replace(/#.*/, '').trim());
  const words = (lines.find((line) => line.startsWith('default-server ')) ?? '').split(/\s+/);
  const after = (word: string): string | undefined => {
    const index = words.indexOf(word);
    return index < 0 ? undefined : words[index + 1];
  };
  const count = (text: string | undefined): number | undefined => (text !== undefined && /^[1-9][0-9]{0,3}$/.test(text) ? Number(text) : undefined);
  const intervalMs = haproxyTime(after('inter'));
  const fall = count(after('fall'));
  const rise = count(after('rise'));
  const timeoutText = lines.find((line) => /^timeout\s+check\s/.test(line))?.split(/\s+/)[2];
  const checkTimeoutMs = haproxyTime(timeoutText);
  // Without `timeout check`, haproxy waits for the check's answer as long as `inter`.
  const resolvedInterval = intervalMs ?? HAPROXY_DEFAULTS.intervalMs;
  const parts = [
    intervalMs === undefined ? `inter ${resolvedInterval}ms (haproxy's default)` : `inter ${after('inter')}`,
    fall === undefined ? `fall ${HAPROXY_DEFAULTS.fall} (haproxy's default)` : `fall ${fall}`,
    rise === undefined ? `rise ${HAPROXY_DEFAULTS.rise} (haproxy's default)` : `rise ${rise}`,
    checkTimeoutMs === undefined ? 'no timeout check (inter)' : `timeout check ${timeoutText}`,
  ];
  return {
    intervalMs: resolvedInterval,
    timeoutMs: checkTimeoutMs ?? resolvedInterval,
    fall: fall ?? HAPROXY_DEFAULTS.fall,
    rise: rise ?? HAPROXY_DEFAULTS.rise,
    source: parts.join(', '),
  };
}
