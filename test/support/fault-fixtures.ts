import { buildRecord } from '../../src/fault/engine.js';
import { emptyState } from '../../src/lab/state.js';
import type { FaultParams, FaultRecord, LabAccess } from '../../src/fault/types.js';

/** A lab as `kubelab fault` records it: an etcd node, a control plane, and a count group of two workers. */
export const LAB: LabAccess = {
  name: 'demo',
  provider: 'docker',
  sshUser: 'vagrant',
  sshKey: '.kubelab/ssh/id_ed25519',
  interface: 'eth1',
  nodes: [
    { name: 'etcd', machineName: 'demo-etcd', ip: '192.168.56.10', roles: ['etcd'] },
    { name: 'cp', machineName: 'demo-cp', ip: '192.168.56.11', roles: ['controlplane'] },
    { name: 'worker-1', machineName: 'demo-worker-1', ip: '192.168.56.12', roles: ['worker'] },
    { name: 'worker-2', machineName: 'demo-worker-2', ip: '192.168.56.13', roles: ['worker'] },
  ],
};

export const NOW = new Date('2026-01-01T00:00:00Z');

/** A record as the engine builds it, with the given next id. */
export function record(params: FaultParams, nextId = 1, forMs?: number): FaultRecord {
  return buildRecord({ ...emptyState(), nextId }, LAB, params, forMs, NOW);
}
