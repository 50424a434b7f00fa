import type { LabModel } from '../model.js';
import { familyOf } from './families/index.js';
import type { FaultParams } from './types.js';

/**
 * What a fault does to the cluster's API, said before it is injected when it takes the API away:
 * allowed (it is an experiment worth making), but nobody should mistake the outage that follows for
 * a lab that broke.
 */
export function apiImpact(model: LabModel, params: FaultParams, targets: readonly string[]): string | undefined {
  const stops = familyOf(params.kind).stopsApi?.(params) ?? [];
  const endpoint = model.apiEndpoint;
  const servers = model.nodes.filter((n) => n.roles.includes('controlplane')).map((n) => n.name);
  const allServers = stops.includes('api-server') && servers.length > 0 && servers.every((n) => targets.includes(n));
  const theEndpoint = endpoint !== undefined && stops.includes('endpoint') && targets.includes(endpoint.node);
  if (allServers) {
    return `every API server (${servers.join(', ')}) goes down with this fault: the Kubernetes API is unreachable, for the nodes too, until it is undone`;
  }
  if (theEndpoint) {
    return `the lab's API endpoint (${endpoint.node}, ${endpoint.address}:${endpoint.port}) goes down with this fault: kubelab kubectl, status, scenarios and any kubectl on the host cannot reach the API until it is undone; the nodes keep reaching the API servers by RKE's own path, so the cluster itself runs on`;
  }
  return undefined;
}
