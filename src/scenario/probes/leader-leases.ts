import type { V1Lease } from '@kubernetes/client-node';
import type { ClusterView } from '../view.js';
import { Changes, kubeClient, NODE_KEY, type Probe } from './probe.js';

/** The leader-election leases of the control plane, in kube-system. */
export const LEADER_LEASES = ['kube-controller-manager', 'kube-scheduler'] as const;
export type LeaderLease = (typeof LEADER_LEASES)[number];

export type LeaderLeaseObservation = {
  type: 'leader-lease';
  lease: string;
  holder: string | null;
  /**
   * The run of the holder's process (the uuid in its holderIdentity, new at every start): a new one
   * on the same node is a restart, after which its controllers start from scratch.
   */
  process?: string;
  /**
   * How long before the observer saw it the holder took the lease, by the lease's acquireTime (the
   * holder's clock): a move seen late, through a watch that lagged, shows here, and tells the
   * lab's delay from Kubernetes' own.
   */
  takenMsBeforeSeen?: number;
};

export type LeaderLeaseCondition =
  /** Held by a node other than its holder when the steps began (moved: true), or by the same one (false). */
  { lease: LeaderLease; moved: boolean } | { lease: LeaderLease; holder: string } | { lease: LeaderLease; held: boolean };

/** Each lease's holder (a node), null while nobody holds it; absent before the first look. */
type Holders = Map<string, string | null>;

/**
 * Which node's kube-controller-manager and kube-scheduler lead (a watch on kube-system's leases):
 * a scenario waits for a lease to move off the node it took down, and picks that node by it.
 */
export const leaderLeasesProbe: Probe<LeaderLeaseCondition, Holders, LeaderLeaseObservation, 'leases-held'> = {
  name: 'leader-leases',
  runs: 'always',
  conditions: {
    keys: {
      lease: { description: 'A leader-election lease of the control plane, in kube-system.', enum: [...LEADER_LEASES] },
      moved: {
        description: 'With lease: held by another node than when the steps began (true), or by the same one (false).',
        type: 'boolean',
      },
      holder: NODE_KEY,
      held: { description: 'With lease: some node holds it (true) or none does (false).', type: 'boolean' },
    },
    forms: [
      { keys: { lease: true, moved: true }, example: '{lease: kube-controller-manager|kube-scheduler, moved: true|false}' },
      { keys: { lease: true, holder: true }, example: '{lease: L, holder: N}' },
      { keys: { lease: true, held: true }, example: '{lease: L, held: true|false}' },
    ],
    preconditions: { 'leases-held': () => LEADER_LEASES.map((lease) => ({ lease, held: true })) },
    initial: () => new Map(),
    fold(holders, entry) {
      if (entry.type === 'leader-lease') holders.set(entry.lease, entry.holder);
    },
    holds(condition, { now, atStepsStart }) {
      const holder = now.get(condition.lease) ?? null;
      if ('held' in condition) return (holder !== null) === condition.held;
      if ('holder' in condition) return holder === condition.holder;
      const before = atStepsStart?.get(condition.lease) ?? null;
      if (holder === null || before === null) return false;
      return (holder !== before) === condition.moved;
    },
    describe(condition) {
      if ('held' in condition) return `the ${condition.lease} lease ${condition.held ? 'held' : 'held by none'}`;
      if ('holder' in condition) return `the ${condition.lease} lease held by ${condition.holder}`;
      return `the ${condition.lease} lease ${condition.moved ? 'moved to another node' : 'still on its node'}`;
    },
  },
  async start(run) {
    const { CoordinationV1Api } = await kubeClient();
    // The time an observation is recorded at: the lease's acquireTime when it falls between the last
    // look at the lease and now. A watch that lagged (while the observer moved to another API
    // server, or through one whose own watch of etcd had not yet given up on a dead member) would
    // otherwise date the move late; a holder's clock outside that window (skewed) is not believed.
    const lastLook = new Map<string, number>();
    const changes = new Changes<LeaderLeaseObservation>((o, atMs) => run.emit(o, atMs));
    await run.watch<V1Lease>({
      path: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
      list: (config) => config.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: 'kube-system' }),
      onChange: (lease) => {
        const name = lease.metadata?.name ?? '';
        if (!(LEADER_LEASES as readonly string[]).includes(name)) return;
        // The holder is "node_uuid": the node is what a person follows, the uuid tells a restart.
        // A lease given up on the way out (the scheduler's) keeps an empty identity: nobody holds it.
        const identity = lease.spec?.holderIdentity ? lease.spec.holderIdentity : null;
        const instance = identity === null ? undefined : /_([0-9a-f-]{36})$/.exec(identity)?.[1];
        const holder = identity === null || instance === undefined ? identity : identity.slice(0, -instance.length - 1);
        const now = Date.now();
        const acquired = lease.spec?.acquireTime === undefined ? NaN : new Date(lease.spec.acquireTime).getTime();
        const since = lastLook.get(name);
        lastLook.set(name, now);
        changes.report(
          `leader/${name}`,
          String(identity),
          {
            type: 'leader-lease',
            lease: name,
            holder,
            ...(instance === undefined ? {} : { process: instance }),
            ...(holder !== null && Number.isFinite(acquired) ? { takenMsBeforeSeen: now - acquired } : {}),
          },
          since !== undefined && acquired >= since && acquired <= now ? acquired : undefined,
        );
      },
    });
    return undefined;
  },
};

/** Who holds a lease in the view (undefined: not yet seen; null: nobody), for the `{lease: L}` node picks. */
export const leaseHolder = (view: ClusterView, lease: LeaderLease): string | null | undefined => view.of(leaderLeasesProbe).get(lease);
