import { watchLines } from '../../exec/run.js';
import { sshArgs } from '../../nodes/ssh.js';
import type { LabNode } from '../../nodes/node.js';
import type { Observation } from '../types.js';

/**
 * Each etcd node reports, once a second over one long-lived ssh, what its own member says
 * (etcdctl inside RKE's etcd container, which carries etcdctl's endpoint and certificates in its
 * environment): its member id, the leader it follows and the raft term. `-w fields` prints ids as
 * decimal text, which JSON would round. The member list maps ids to peer addresses, so to nodes.
 */
const REPORT_LOOP = `
members=$(docker exec etcd etcdctl member list -w fields --command-timeout=2s 2>/dev/null | sed -n -e 's/^"ID" : \\(.*\\)$/\\1/p' -e 's/^"PeerURL" : "https:\\/\\/\\([^:]*\\):.*$/\\1/p' | paste -d ' ' - - | tr '\\n' ' ')
echo "members $members"
while :; do
  status=$(timeout 4 docker exec etcd etcdctl endpoint status -w fields --command-timeout=2s 2>&1)
  if [ $? -eq 0 ]; then
    echo "status $(printf '%s\\n' "$status" | sed -n -e 's/^"MemberID" : \\(.*\\)$/member=\\1/p' -e 's/^"Leader" : \\(.*\\)$/leader=\\1/p' -e 's/^"RaftTerm" : \\(.*\\)$/term=\\1/p' | sort -u | tr '\\n' ' ')"
  else
    echo "error $(printf '%s' "$status" | tail -n 1 | cut -c1-120)"
  fi
  sleep 1
done
`;

/** A node's last word: when it came, and the member's view then (undefined: it could not tell). */
interface Report {
  atMs: number;
  member?: string;
  leader?: string;
  term?: number;
}

/** How long a node may stay silent before its member counts as unhealthy. */
const STALE_MS = 4_000;

export class EtcdWatch {
  private readonly abort = new AbortController();
  private readonly reports = new Map<string, Report>();
  /** member id → node name. */
  private readonly members = new Map<string, string>();
  private last = '';
  private ticker: NodeJS.Timeout | undefined;
  private readonly startedMs = Date.now();

  constructor(
    private readonly nodes: readonly LabNode[],
    private readonly emit: (observation: Observation) => void,
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
      await watchLines('ssh', [...sshArgs(node.ssh, 3), 'sudo', 'bash', '-s'], {
        input: REPORT_LOOP,
        signal: this.abort.signal,
        onLine: (line) => this.onLine(node.name, line),
        purpose: 'watch etcd on the nodes',
      }).catch(() => undefined);
      // The node is down or cut off: try again shortly; meanwhile its reports go stale.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }

  private onLine(node: string, line: string): void {
    const [kind, ...rest] = line.trim().split(' ');
    if (kind === 'members') {
      for (let i = 0; i + 1 < rest.length; i += 2) {
        const ip = rest[i + 1] ?? '';
        const owner = this.nodes.find((n) => n.ip === ip);
        if (owner) this.members.set(rest[i] ?? '', owner.name);
      }
    } else if (kind === 'status') {
      const fields = Object.fromEntries(rest.map((kv) => kv.split('=') as [string, string]));
      this.reports.set(node, { atMs: Date.now(), member: fields.member, leader: fields.leader, term: Number(fields.term) });
    } else if (kind === 'error') {
      this.reports.set(node, { atMs: Date.now() });
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
