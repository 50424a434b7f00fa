import type { V1Lease } from '@kubernetes/client-node';
import { Changes, kubeClient, type Probe } from './probe.js';

export type LeaderLeaseObservation = { type: 'leader-lease'; lease: string; holder: string | null };

/** The leader-election leases of the control plane, in kube-system. */
const LEADER_LEASES = ['kube-controller-manager', 'kube-scheduler'];

/** Which node's kube-controller-manager and kube-scheduler lead (a watch on kube-system's leases); no condition asks about them yet. */
export const leaderLeasesProbe: Probe<never, undefined, LeaderLeaseObservation> = {
  name: 'leader-leases',
  runs: 'always',
  async start(run) {
    const { CoordinationV1Api } = await kubeClient();
    const coordination = run.config.makeApiClient(CoordinationV1Api);
    const changes = new Changes<LeaderLeaseObservation>((o) => run.emit(o));
    await run.watch<V1Lease>({
      path: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
      list: () => coordination.listNamespacedLease({ namespace: 'kube-system' }),
      onChange: (lease) => {
        const name = lease.metadata?.name ?? '';
        if (!LEADER_LEASES.includes(name)) return;
        // The holder is "node_uuid": the node is what a person follows.
        const holder = lease.spec?.holderIdentity?.replace(/_[0-9a-f-]{36}$/, '') ?? null;
        changes.report(`leader/${name}`, String(holder), { type: 'leader-lease', lease: name, holder });
      },
    });
    return undefined;
  },
};
