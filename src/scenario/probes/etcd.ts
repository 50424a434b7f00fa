import { followMember, type EtcdLine, type MemberReport } from '../../cluster/etcd.js';
import type { LabNode } from '../../nodes/node.js';
import type { ClusterView } from '../view.js';
import type { Probe } from './probe.js';

export type EtcdCondition = { etcd: 'new-leader' | 'leader' | 'no-leader' };
export type EtcdObservation = { type: 'etcd'; leader: string | null; term: number | null; healthy: string[]; unhealthy: string[] };

interface EtcdState {
  /** undefined: not yet asked; null: no member knows a leader. */
  leader: string | null | undefined;
  term: number | null;
}

/** A node's last word: when it came, and the member's view then (undefined: it could not tell). */
type Report = { atMs: number } & MemberReport;

/** How long a node may stay silent before its member counts as unhealthy. */
const STALE_MS = 4_000;

/** etcd's leader, its raft term and its members' health, as each etcd node's own member sees them. */
export const etcdProbe: Probe<EtcdCondition, EtcdState, EtcdObservation, 'etcd-healthy'> = {
  name: 'etcd',
  runs: 'always',
  conditions: {
    keys: {
      etcd: {
        description: 'etcd has a leader other than before the steps (new-leader), has one (leader), or has none (no-leader).',
        enum: ['new-leader', 'leader', 'no-leader'],
      },
    },
    forms: [{ keys: { etcd: true }, example: '{etcd: new-leader|leader|no-leader}' }],
    preconditions: { 'etcd-healthy': () => [{ etcd: 'leader' }] },
    initial: () => ({ leader: undefined, term: null }),
    fold(state, entry) {
      if (entry.type !== 'etcd') return;
      state.leader = entry.leader;
      state.term = entry.term;
    },
    holds(condition, { now, atStepsStart }) {
      if (condition.etcd === 'no-leader') return now.leader === null;
      if (condition.etcd === 'leader') return typeof now.leader === 'string';
      // The same member may win again (a killed leader restarts within the election timeout): a new term is a new election.
      const before = atStepsStart?.term ?? null;
      return typeof now.leader === 'string' && now.term !== null && before !== null && now.term > before;
    },
    describe: (condition) =>
      ({ 'new-leader': 'etcd elected a leader (a new term)', leader: 'etcd has a leader', 'no-leader': 'etcd has no leader' })[condition.etcd],
  },
  async start(run) {
    const watch = new EtcdWatch(
      run.nodes.filter((n) => n.ref.roles.includes('etcd')),
      (o) => run.emit(o),
    );
    watch.start();
    return () => watch.stop();
  },
};

/** etcd's leader in the view (undefined: not yet known), for the `{etcd: leader}` node picks. */
export const etcdLeader = (view: ClusterView): string | null | undefined => view.of(etcdProbe).leader;

/**
 * Each etcd node reports, once a second over one long-lived ssh (src/cluster/etcd.ts), what its
 * own member says: its member id, the leader it follows and the raft term; the member list it
 * reports first maps ids to nodes.
 */
class EtcdWatch {
  private readonly abort = new AbortController();
  private readonly reports = new Map<string, Report>();
  /** member id → node name. */
  private readonly members = new Map<string, string>();
  private last = '';
  private ticker: NodeJS.Timeout | undefined;
  private readonly startedMs = Date.now();

  constructor(
    private readonly nodes: readonly LabNode[],
    private readonly emit: (observation: EtcdObservation) => void,
  ) {}

  start(): void {
    for (const node of this.nodes) void this.follow(node);
    this.ticker = setInterval(() => this.summarize(), 1_000);
  }

  stop(): void {
    this.abort.abort();
    if (this.ticker) clearInterval(this.ticker);
  }

  private async follow(node: LabNode): Promise<void> {
    while (!this.abort.signal.aborted) {
      await followMember(node, this.abort.signal, (line) => this.onLine(node.name, line)).catch(() => undefined);
      // The node is down or cut off: try again shortly; meanwhile its reports go stale.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }

  private onLine(node: string, line: EtcdLine): void {
    if (line.kind === 'members') {
      for (const [id, ip] of line.members) {
        const owner = this.nodes.find((n) => n.ip === ip);
        if (owner) this.members.set(id, owner.name);
      }
    } else {
      this.reports.set(node, { atMs: Date.now(), ...(line.kind === 'status' ? line.report : {}) });
    }
    this.summarize();
  }

  /**
   * The cluster's leader as the healthy members see it: the one the member with the highest term
   * follows (a member cut off from the rest keeps an old view until it rejoins); none while no
   * healthy member knows one.
   */
  private summarize(): void {
    const now = Date.now();
    const healthy: string[] = [];
    const unhealthy: string[] = [];
    let best: Report | undefined;
    for (const node of this.nodes) {
      const report = this.reports.get(node.name);
      const fresh = report !== undefined && report.member !== undefined && now - report.atMs <= STALE_MS;
      (fresh ? healthy : unhealthy).push(node.name);
      if (fresh && (best === undefined || (report.term ?? 0) > (best.term ?? 0))) best = report;
    }
    // Until every node has spoken once (or could have), silence means nothing yet.
    if (this.reports.size < this.nodes.length && now - this.startedMs < STALE_MS * 2) return;
    const leaderId = best?.leader;
    const leader = leaderId === undefined || leaderId === '0' ? null : (this.members.get(leaderId) ?? `member ${leaderId}`);
    const term = best?.term ?? null;
    const key = `${leader}|${term}|${healthy.join(',')}`;
    if (key === this.last) return;
    this.last = key;
    this.emit({ type: 'etcd', leader, term, healthy, unhealthy });
  }
}
