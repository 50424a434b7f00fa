import { RKE_ROLES, type Role } from '../vocabulary.js';

/**
 * What RKE puts on a node, known here and nowhere else: each Kubernetes component runs as a Docker
 * container named after it, on the nodes of its role; etcd's container carries etcdctl, with its
 * endpoint and certificates in the container's environment; `rke etcd snapshot-save` leaves its
 * archives in one folder on every etcd node.
 */
const COMPONENTS = {
  etcd: { roles: ['etcd'], where: 'etcd nodes', program: 'etcd' },
  'kube-apiserver': { roles: ['controlplane'], where: 'controlplane nodes', program: 'kube-apiserver' },
  // The kernel keeps 15 characters of a program's name.
  'kube-controller-manager': { roles: ['controlplane'], where: 'controlplane nodes', program: 'kube-controller' },
  'kube-scheduler': { roles: ['controlplane'], where: 'controlplane nodes', program: 'kube-scheduler' },
  // The container's first process is rke-tools' entrypoint, which starts cri-dockerd beside the kubelet.
  kubelet: { roles: ['etcd', 'controlplane', 'worker'], where: 'every node', program: 'kubelet' },
  'kube-proxy': { roles: ['etcd', 'controlplane', 'worker'], where: 'every node', program: 'kube-proxy' },
  // RKE's local load balancer to the API servers, on the nodes that run none: nginx's master and
  // workers under a wrapper script.
  'nginx-proxy': { roles: ['etcd', 'worker'], where: 'nodes without the controlplane role', program: 'nginx' },
} as const satisfies Record<string, { roles: readonly Role[]; where: string; program: string }>;

export type RkeComponent = keyof typeof COMPONENTS;
export const RKE_COMPONENTS = Object.keys(COMPONENTS) as RkeComponent[];

/** Which nodes run the component, as a person reads it ("controlplane nodes"). */
export const whereRkeRuns = (component: RkeComponent): string => COMPONENTS[component].where;

/**
 * The TCP ports RKE's components listen on, by the names kubelab's faults take: etcd's clients and
 * its peers, the API server, the kubelet's API.
 */
export const COMPONENT_PORTS = { 'etcd-client': 2379, 'etcd-peer': 2380, 'kube-apiserver': 6443, kubelet: 10250 } as const;

/**
 * The name the kernel gives the component's own processes in its container (`ps -o comm`). A
 * name read back from a lab's files may be anything: it stands for itself.
 */
export const programOf = (component: RkeComponent): string => (COMPONENTS as Partial<Record<string, { program: string }>>)[component]?.program ?? component;

/** The Docker container that runs the component on a node. */
export const containerOf = (component: RkeComponent): string => component;

/** etcdctl inside RKE's etcd container, as a shell command: `ARGS` are etcdctl's own. */
export const etcdctl = (args: string): string => `docker exec ${containerOf('etcd')} etcdctl ${args}`;

/**
 * RKE's system_images keys of the images rke up itself starts on a node of these roles: its tool
 * containers (state and certificate deployers, port checks, log linkers, the sidekick and
 * nginx-proxy), the kubelet and kube-proxy, the pod sandbox, and etcd on etcd nodes. The network
 * plugin's and the add-ons' images are not RKE's containers: the plugin knows its own (src/cni.ts).
 */
export function rkeNodeImageKeys(roles: readonly Role[]): string[] {
  const every = ['alpine', 'nginx_proxy', 'kubernetes_services_sidecar', 'kubernetes', 'pod_infra_container'];
  return roles.includes('etcd') ? [...every, 'etcd'] : every;
}

/** Where `rke etcd snapshot-save` leaves its archives, on every etcd node. */
export const ETCD_SNAPSHOT_DIR = '/opt/rke/etcd-snapshots';

/** A component's command line and environment, as Docker started it on one node. */
export interface ComponentConfig {
  node: string;
  args: string[];
  env: string[];
}

/** A script that prints `COMPONENT ARGS-JSON ENV-JSON` for each of `components` that runs on the node. */
export function inspectComponentsScript(components: readonly RkeComponent[]): string {
  return components
    .map((c) => `docker inspect --type container --format '${c} {{json .Args}} {{json .Config.Env}}' ${containerOf(c)} 2>/dev/null || true`)
    .join('\n');
}

/** What `inspectComponentsScript` printed on `node`, by component; lines that do not parse are left out. */
export function parseInspectedComponents(node: string, stdout: string): Map<RkeComponent, ComponentConfig> {
  const found = new Map<RkeComponent, ComponentConfig>();
  for (const line of stdout.split('\n')) {
    const match = /^(\S+) (\[.*\]) (\[.*\]|null)$/.exec(line.trim());
    const component = match?.[1];
    if (!match || !(RKE_COMPONENTS as readonly string[]).includes(component ?? '')) continue;
    const args = parseStrings(match[2]!);
    const env = match[3] === 'null' ? [] : parseStrings(match[3]!);
    if (args && env) found.set(component as RkeComponent, { node, args, env });
  }
  return found;
}

/** A JSON list of strings, or undefined: the node's output is not trusted to be one. */
function parseStrings(json: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

/** RKE's state file holds certificates: a few hundred KiB; far more is not RKE's. */
const RKE_STATE_MAX_BYTES = 16 * 1024 * 1024;

/** A node as RKE last installed it. */
export interface InstalledNode {
  roles: Role[];
  /** The address RKE reached it at; undefined when the record has none. */
  address: string | undefined;
}

/**
 * Each node as RKE last installed it (cluster.rkestate: currentState.rkeConfig.nodes, by
 * hostnameOverride): what the cluster is now, whatever the spec says since. Undefined when the
 * file is missing or not RKE's.
 */
export async function installedNodes(stateFile: string): Promise<Map<string, InstalledNode> | undefined> {
  const { ifExists, readBoundedText } = await import('../input/read.js');
  const text = await ifExists(readBoundedText(stateFile, RKE_STATE_MAX_BYTES)).catch(() => undefined);
  if (text === undefined) return undefined;
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    return undefined;
  }
  const nodes = (state as { currentState?: { rkeConfig?: { nodes?: unknown } } } | null)?.currentState?.rkeConfig?.nodes;
  if (!Array.isArray(nodes)) return undefined;
  const installed = new Map<string, InstalledNode>();
  for (const node of nodes as unknown[]) {
    const { hostnameOverride, role, address } = (node ?? {}) as { hostnameOverride?: unknown; role?: unknown; address?: unknown };
    if (typeof hostnameOverride !== 'string' || !Array.isArray(role)) continue;
    installed.set(hostnameOverride, {
      roles: role.filter((r): r is Role => (RKE_ROLES as readonly unknown[]).includes(r)),
      address: typeof address === 'string' ? address : undefined,
    });
  }
  return installed;
}
