import type { LabModel } from '../model.js';
import type { ProviderType, Role } from '../spec/types.js';

/** What reaching a node needs to know about it; kept in fault state so that undo needs no spec. */
export interface NodeRef {
  name: string;
  machineName: string;
  ip: string;
  roles: Role[];
}

/** The lab as it was at some moment (a fault's injection): enough to reach every node and machine. */
export interface LabAccess {
  name: string;
  provider: ProviderType;
  sshUser: string;
  /** Relative to the output folder. */
  sshKey: string;
  /** The private interface inside the nodes (tc shapes it). */
  interface: string;
  nodes: NodeRef[];
}

export function labAccess(model: LabModel): LabAccess {
  return {
    name: model.name,
    provider: model.provider.type,
    sshUser: model.ssh.user,
    sshKey: model.ssh.privateKeyPath,
    interface: model.network.interface,
    nodes: model.nodes.map((n) => ({ name: n.name, machineName: n.machineName, ip: n.ip, roles: n.roles })),
  };
}
