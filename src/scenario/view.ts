import type { TimedObservation } from './types.js';

/**
 * The cluster as the observer last saw it, folded from the timeline: the latest word on each node,
 * pod, probe and the etcd leader. Conditions are read from it.
 */
export class ClusterView {
  readonly nodeReady = new Map<string, string>();
  /** node → taint keys present. */
  readonly taints = new Map<string, Set<string>>();
  /** node → condition type → status. */
  readonly conditions = new Map<string, Map<string, string>>();
  /** The test workload's pods that exist. */
  readonly pods = new Map<string, { node: string | null; phase: string; ready: boolean }>();
  api: boolean | undefined;
  readonly probes = new Map<'dns' | 'writes', boolean>();
  /** undefined: not yet asked; null: no member knows a leader. */
  etcdLeader: string | null | undefined;
  etcdTerm: number | null = null;

  apply(entry: TimedObservation): void {
    switch (entry.type) {
      case 'node-ready':
        this.nodeReady.set(entry.node, entry.status);
        break;
      case 'node-taint': {
        const keys = this.taints.get(entry.node) ?? new Set<string>();
        if (entry.present) keys.add(entry.key);
        else keys.delete(entry.key);
        this.taints.set(entry.node, keys);
        break;
      }
      case 'node-condition': {
        const conditions = this.conditions.get(entry.node) ?? new Map<string, string>();
        conditions.set(entry.condition, entry.status);
        this.conditions.set(entry.node, conditions);
        break;
      }
      case 'pod':
        if (entry.deleted) this.pods.delete(entry.pod);
        else this.pods.set(entry.pod, { node: entry.node, phase: entry.phase, ready: entry.ready });
        break;
      case 'api':
        this.api = entry.up;
        break;
      case 'probe':
        this.probes.set(entry.probe, entry.ok);
        break;
      case 'etcd':
        this.etcdLeader = entry.leader;
        this.etcdTerm = entry.term;
        break;
      default:
        break;
    }
  }
}
