import type { SnapshotRecord } from './record.js';

/** The lab as it is now, in the terms a snapshot records. */
export interface CurrentLab {
  provider: string;
  kubernetesVersion: string;
  nodes: { name: string; ip: string }[];
  /** node name → Vagrant's id of its machine now; a node without one has no machine. */
  machineIds: Map<string, string | undefined>;
}

/**
 * Why the snapshot cannot be put back into this lab, one line per difference; empty when it can.
 * etcd's peer URLs, RKE's certificates and the nodes' own records all name the nodes and their
 * addresses, and a saved machine state only fits the machine it came from.
 */
export function identityDifferences(record: SnapshotRecord, now: CurrentLab): string[] {
  const differences: string[] = [];
  if (record.provider !== now.provider) differences.push(`provider: ${record.provider} in the snapshot, ${now.provider} now`);
  if (record.kubernetesVersion !== now.kubernetesVersion)
    differences.push(`Kubernetes version: ${record.kubernetesVersion} in the snapshot, ${now.kubernetesVersion} now`);
  const saved = new Map(record.nodes.map((n) => [n.name, n]));
  const current = new Map(now.nodes.map((n) => [n.name, n]));
  const gone = record.nodes.filter((n) => !current.has(n.name)).map((n) => n.name);
  const added = now.nodes.filter((n) => !saved.has(n.name)).map((n) => n.name);
  if (gone.length > 0) differences.push(`nodes in the snapshot but not in the spec: ${gone.join(', ')}`);
  if (added.length > 0) differences.push(`nodes in the spec but not in the snapshot: ${added.join(', ')}`);
  for (const node of now.nodes) {
    const then = saved.get(node.name);
    if (!then) continue;
    if (then.ip !== node.ip) differences.push(`node ${node.name}: IP ${then.ip} in the snapshot, ${node.ip} now`);
    const id = now.machineIds.get(node.name);
    if (id === undefined) differences.push(`node ${node.name} has no machine now (the snapshot's was ${short(then.machineId)})`);
    else if (id !== then.machineId) differences.push(`node ${node.name}'s machine was recreated: ${short(then.machineId)} in the snapshot, ${short(id)} now`);
  }
  return differences;
}

const short = (id: string): string => (/^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id);
