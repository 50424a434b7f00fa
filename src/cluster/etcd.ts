import type { LabNode } from '../nodes/node.js';
import { etcdctl } from './rke.js';

/**
 * The one way kubelab asks etcd about itself: etcdctl inside RKE's etcd container on an etcd node,
 * over the node's ssh. `-w fields` prints member ids as decimal text (JSON would round them), and
 * the member list maps ids to peer addresses, so to nodes.
 */

/** Prints `members ID IP ID IP …` (empty when the member does not answer). */
const MEMBERS_LINE = `members=$(${etcdctl('member list -w fields --command-timeout=2s')} 2>/dev/null | sed -n -e 's/^"ID" : \\(.*\\)$/\\1/p' -e 's/^"PeerURL" : "https:\\/\\/\\([^:]*\\):.*$/\\1/p' | paste -d ' ' - - | tr '\\n' ' ')
echo "members $members"`;

/** One `status member=ID leader=ID term=N` or `error TEXT` line: what this member says now. */
const STATUS_LINE = `status=$(timeout 4 ${etcdctl('endpoint status -w fields --command-timeout=2s')} 2>&1)
if [ $? -eq 0 ]; then
  echo "status $(printf '%s\\n' "$status" | sed -n -e 's/^"MemberID" : \\(.*\\)$/member=\\1/p' -e 's/^"Leader" : \\(.*\\)$/leader=\\1/p' -e 's/^"RaftTerm" : \\(.*\\)$/term=\\1/p' | sort -u | tr '\\n' ' ')"
else
  echo "error $(printf '%s' "$status" | tail -n 1 | cut -c1-120)"
fi`;

/** After the members, a status line a second, for as long as it runs. */
const REPORT_LOOP = `${MEMBERS_LINE}
while :; do
${STATUS_LINE.replace(/^/gm, '  ')}
  sleep 1
done
`;

/** The members, then every member's answer to a health check that commits a proposal. */
const HEALTH = `${MEMBERS_LINE}
${etcdctl('endpoint health --cluster -w simple --command-timeout=3s')} 2>&1 || true
`;

/** Member id (decimal) → the address of its peer URL. */
export function parseMembers(line: string): Map<string, string> {
  const members = new Map<string, string>();
  const words = line.trim().split(/\s+/).slice(1);
  for (let i = 0; i + 1 < words.length; i += 2) members.set(words[i]!, words[i + 1]!);
  return members;
}

/** etcdctl's decimal member id as its --hex form prints it (the form snapshot records keep). */
export const hexMemberId = (decimal: string): string => (/^[0-9]+$/.test(decimal) ? BigInt(decimal).toString(16) : decimal);

/** What one member said about the cluster: its own id, the leader it follows, the raft term; undefined fields: it could not tell. */
export interface MemberReport {
  member?: string;
  leader?: string;
  term?: number;
}

export type EtcdLine = { kind: 'members'; members: Map<string, string> } | { kind: 'status'; report: MemberReport } | { kind: 'error' };

/** One line of the report loop; undefined for anything else a node printed. */
export function parseReportLine(line: string): EtcdLine | undefined {
  const [kind, ...rest] = line.trim().split(' ');
  if (kind === 'members') return { kind, members: parseMembers(line) };
  if (kind === 'error') return { kind };
  if (kind !== 'status') return undefined;
  const fields = new Map(rest.map((kv) => kv.split('=') as [string, string]));
  const term = Number(fields.get('term'));
  return { kind, report: { member: fields.get('member'), leader: fields.get('leader'), ...(Number.isFinite(term) ? { term } : {}) } };
}

/**
 * Follows one etcd node's member: `onLine` gets each report line as it comes, until `signal`
 * stops it or the node goes away (then it resolves, and the caller decides when to try again).
 */
export async function followMember(node: LabNode, signal: AbortSignal, onLine: (line: EtcdLine) => void): Promise<void> {
  await node.stream(REPORT_LOOP, {
    signal,
    connectTimeoutSeconds: 3,
    onLine: (text) => {
      const line = parseReportLine(text);
      if (line) onLine(line);
    },
  });
}

export type EtcdView = { members: string[]; healthy: number; endpoints: number } | { error: string };

/** What the etcd member on `node` says: the cluster's member ids (hex, sorted) and how many endpoints are healthy. */
export async function etcdView(node: LabNode): Promise<EtcdView> {
  const result = await node.run(HEALTH, { timeoutMs: 30_000, connectTimeoutSeconds: 5 });
  if (result.code !== 0) return { error: (result.stderr.trim().split('\n').pop() ?? '') || `exit ${result.code}` };
  const lines = result.stdout.split('\n');
  const members = [...parseMembers(lines.find((l) => l.startsWith('members')) ?? '').keys()].map(hexMemberId).sort();
  if (members.length === 0) return { error: 'no answer yet' };
  const health = lines.filter((l) => / is (un)?healthy/.test(l));
  return { members, healthy: health.filter((l) => / is healthy/.test(l)).length, endpoints: health.length };
}

/** The first answer of the etcd nodes, asked in turn; the last error when none answers. */
export async function firstEtcdView(nodes: readonly LabNode[]): Promise<EtcdView> {
  let view: EtcdView = { error: 'the lab has no etcd node' };
  for (const node of nodes) {
    view = await etcdView(node);
    if (!('error' in view)) break;
  }
  return view;
}

/** The node whose member leads etcd now, by the first etcd node that names one; undefined when none does. */
export async function etcdLeaderNode(nodes: readonly LabNode[]): Promise<string | undefined> {
  for (const node of nodes.filter((n) => n.ref.roles.includes('etcd'))) {
    const result = await node.run(`${MEMBERS_LINE}\n${STATUS_LINE}\n`, { timeoutMs: 20_000, connectTimeoutSeconds: 5 });
    const lines = result.stdout.split('\n').map(parseReportLine);
    const members = lines.find((l) => l?.kind === 'members');
    const status = lines.find((l) => l?.kind === 'status');
    if (members?.kind !== 'members' || status?.kind !== 'status' || status.report.leader === undefined) continue;
    const address = members.members.get(status.report.leader);
    const leader = nodes.find((n) => n.ip === address);
    if (leader) return leader.name;
  }
  return undefined;
}
