import type { LabModel } from '../model.js';
import type { ProviderType, Role } from '../spec/types.js';

/** What reaching a node needs to know about it; kept in fault state so that undo needs no spec. */
export interface NodeRef {
  name: string;
  machineName: string;
  ip: string;
  roles: Role[];
  /** How ssh reaches it, the key relative to the output folder; absent in state written before nodes had their own. */
  ssh?: { host: string; port: number; user: string; key: string };
}

/** The lab as it was at some moment (a fault's injection): enough to reach every node and machine. */
export interface LabAccess {
  name: string;
  provider: ProviderType;
  /** How ssh reaches a node without its own `ssh`: the lab's user, and key relative to the output folder. */
  sshUser: string;
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
    nodes: model.nodes.map((n) => ({
      name: n.name,
      machineName: n.machineName,
      ip: n.ip,
      roles: n.roles,
      ssh: { host: n.ssh.host, port: n.ssh.port, user: n.ssh.user, key: n.ssh.privateKeyPath },
    })),
  };
}
