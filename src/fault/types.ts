import type { LabModel } from '../model.js';
import type { ProviderType, Role } from '../spec/types.js';

/** The machine-level kinds act on the VM or container from outside; the others run inside the node. */
export const MACHINE_KINDS = ['stop', 'crash', 'freeze'] as const;
export const NETWORK_KINDS = ['partition', 'loss', 'bandwidth', 'delay'] as const;
export const COMPONENT_KINDS = ['kill', 'stop-component'] as const;
export const RESOURCE_KINDS = ['disk-fill', 'cpu-hog', 'mem-hog'] as const;

export type MachineKind = (typeof MACHINE_KINDS)[number];
export type NetworkKind = (typeof NETWORK_KINDS)[number];
export type ComponentKind = (typeof COMPONENT_KINDS)[number];
export type ResourceKind = (typeof RESOURCE_KINDS)[number];
export type FaultKind = MachineKind | NetworkKind | ComponentKind | ResourceKind;

/** RKE runs these as Docker containers on the nodes; `docker` is the container runtime itself. */
export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy', 'nginx-proxy', 'docker'] as const;
export type Component = (typeof COMPONENTS)[number];

/** What a fault needs to know about a node, kept in the state so that undo needs no spec. */
export interface NodeRef {
  name: string;
  machineName: string;
  ip: string;
  roles: Role[];
}

/** The lab as it was when a fault was injected: enough to reach every node and machine. */
export interface LabSnapshot {
  name: string;
  provider: ProviderType;
  sshUser: string;
  /** Relative to the output folder. */
  sshKey: string;
  /** The private interface inside the nodes (tc shapes it). */
  interface: string;
  nodes: NodeRef[];
}

/** Parameters of each kind, as recorded; node names are already resolved from the selectors. */
export type FaultParams =
  | { kind: MachineKind; nodes: string[] }
  | { kind: 'partition'; from: string[]; to: string[]; oneWay: boolean }
  | { kind: 'loss'; percent: number; from: string[]; to: string[]; oneWay: boolean }
  | { kind: 'bandwidth'; rateBits: number; from: string[]; to: string[]; oneWay: boolean }
  | { kind: 'delay'; ms: number; from: string[]; to: string[]; oneWay: boolean }
  | { kind: ComponentKind; component: Component; nodes: string[] }
  | { kind: 'disk-fill'; percent: number; path: string; maxBytes: number; nodes: string[] }
  | { kind: 'cpu-hog'; cpus: number | undefined; nodes: string[] }
  | { kind: 'mem-hog'; bytes: number; nodes: string[] };

export type NetworkParams = Extract<FaultParams, { kind: NetworkKind }>;

/** One active fault, as kept in out/.kubelab/faults.json. */
export interface FaultRecord {
  id: string;
  kind: FaultKind;
  params: FaultParams;
  /** The lab when the fault was injected: its undo reaches the same machines, whatever the spec says now. */
  lab: LabSnapshot;
  /** Every node the fault acts on, in the lab's order. */
  targets: string[];
  /** Network faults: each affected direction as [sender, receiver]. */
  pairs?: [string, string][];
  injectedAt: string;
  expiresAt?: string;
  /** The detached process that undoes the fault at expiresAt. */
  timerPid?: number;
  /** Recorded before the injection starts and cleared when it is done: set, kubelab died meanwhile. */
  pending?: boolean;
}

export interface FaultState {
  version: 1;
  /** The number of the next id (f1, f2, …); never reused while the state lives. */
  nextId: number;
  /** The lab at the last injection, for `fault clear` and `destroy`, which may run without a spec. */
  lab: LabSnapshot | undefined;
  faults: FaultRecord[];
}

export function labSnapshot(model: LabModel): LabSnapshot {
  return {
    name: model.name,
    provider: model.provider.type,
    sshUser: model.ssh.user,
    sshKey: model.ssh.privateKeyPath,
    interface: model.network.interface,
    nodes: model.nodes.map((n) => ({ name: n.name, machineName: n.machineName, ip: n.ip, roles: n.roles })),
  };
}

/** The numeric part of an id: f12 → 12. */
export function faultNumber(id: string): number {
  return Number(/^f([0-9]+)$/.exec(id)?.[1] ?? NaN);
}
