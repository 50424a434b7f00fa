import { COMPONENT_PORTS } from '../../cluster/rke.js';
import { read, textOf } from '../cli-values.js';
import { FaultInputError } from '../errors.js';
import type { CliOption, CliValues, FaultFamily, KindCommand } from '../family.js';
import { nodeByName, script, sh, type Step } from '../steps.js';
import { cutShape, isShapeName, SHAPE_NAMES, shapePairs, shapeSummaries, showShape, type ShapeCut } from '../partition-shapes.js';
import { networkPairs, resolveSelector } from '../selectors.js';
import { isKubernetesNode } from '../../vocabulary.js';
import { faultNumber, type FaultRecord, type LabAccess } from '../types.js';
import { formatRate, parseMilliseconds, parsePercent, parseRate } from '../../units.js';

/**
 * Between two sides (--from, --to), or a partition's named shape (its groups recorded); port: only
 * TCP traffic to that port of the receiver (partition and loss).
 */
export type NetworkParams = ({ from: string[]; to: string[] } | { shape: ShapeCut }) & { oneWay: boolean; port?: number } & (
    { kind: 'partition' } | { kind: 'loss'; percent: number } | { kind: 'bandwidth'; rateBits: number } | { kind: 'delay'; ms: number }
  );
export type NetworkKind = NetworkParams['kind'];
type NetworkFault = FaultRecord<NetworkParams>;

/**
 * Network faults between nodes. Only node addresses are ever named, so the host (the network's .1)
 * and everything else keeps its traffic.
 *
 * partition and loss drop packets where they arrive: on each receiver, a rule per sender in the
 * chain KUBELAB-IN, which the top of INPUT jumps to. Every rule carries the comment kubelab:<id>,
 * so that undo removes exactly its own rules.
 *
 * bandwidth and delay act where packets leave: on each sender's private interface, an HTB root
 * (handle fa17:) that passes unclassified traffic untouched, one class per fault, u32 filters that
 * send packets for the fault's receivers into that class, and the effect as the class's leaf qdisc
 * (tbf for bandwidth, netem for delay). HTB rather than prio: some kernels (this workplace's) lack
 * sch_prio, and HTB's "default 0" leaves every other destination alone.
 */

export const CHAIN = 'KUBELAB-IN';
export const TC_ROOT = 'fa17:';

/** Who gets the script: receivers for iptables faults, senders for tc faults; with their peers. */
function byNode(pairs: [string, string][], at: 'sender' | 'receiver'): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [sender, receiver] of pairs) {
    const [node, peer] = at === 'receiver' ? [receiver, sender] : [sender, receiver];
    grouped.set(node, [...(grouped.get(node) ?? []), peer]);
  }
  return grouped;
}

const peerIps = (lab: LabAccess, peers: string[]): string => peers.map((p) => sh(`${nodeByName(lab, p).ip}/32`)).join(' ');

// Deleted by number, highest first: the rules' own text does not read back exactly (probability).
const REMOVE_RULES = `
remove_rules() {
  local numbers n
  numbers=$(iptables -w -L ${CHAIN} -n --line-numbers 2>/dev/null | awk -v tag="/* kubelab:$ID */" 'index($0, tag) { print $1 }' | sort -rn || true)
  for n in $numbers; do
    iptables -w -D ${CHAIN} "$n"
  done
}`;

function iptablesInject(fault: NetworkFault, lab: LabAccess, peers: string[]): string {
  const params = fault.params;
  const scope = params.port !== undefined ? `-p tcp --dport ${sh(String(params.port))} ` : '';
  const match = `${scope}${params.kind === 'loss' ? `-m statistic --mode random --probability ${(params.percent / 100).toFixed(4)} ` : ''}`;
  return script(
    fault.id,
    `drop${params.kind === 'loss' ? ` ${params.percent}% of` : ''} packets from ${peers.join(', ')}${params.port !== undefined ? ` to TCP port ${params.port}` : ''}`,
    `
${REMOVE_RULES}
iptables -w -N ${CHAIN} 2>/dev/null || true
iptables -w -C INPUT -j ${CHAIN} 2>/dev/null || iptables -w -I INPUT 1 -j ${CHAIN}
trap remove_rules ERR
SOURCES=(${peerIps(lab, peers)})
for source in "\${SOURCES[@]}"; do
  iptables -w -A ${CHAIN} -s "$source" ${match}-m comment --comment "kubelab:$ID" -j DROP
done
`,
  );
}

function iptablesUndo(fault: NetworkFault): string {
  return script(
    fault.id,
    'remove its iptables rules',
    `
${REMOVE_RULES}
remove_rules
if ! iptables -w -S ${CHAIN} 2>/dev/null | grep -q -e '^-A ${CHAIN} '; then
  while iptables -w -D INPUT -j ${CHAIN} 2>/dev/null; do :; done
  iptables -w -X ${CHAIN} 2>/dev/null || true
fi
`,
  );
}

/** tc's class minor and filter priority for a fault: its number (f12 → 0xc, prio 12). */
function tcIds(fault: NetworkFault): { classId: string; prio: number } {
  const n = faultNumber(fault.id);
  if (!(n >= 1 && n < 0xffff)) throw new Error(`fault ${fault.id} has no number usable by tc`);
  return { classId: `${TC_ROOT}${n.toString(16)}`, prio: n };
}

function tcHeader(fault: NetworkFault, lab: LabAccess): string {
  const { classId, prio } = tcIds(fault);
  return `
DEV=${sh(lab.interface)}
CLASS=${classId}
PRIO=${prio}
has_root() { tc qdisc show dev "$DEV" | grep -q '^qdisc htb ${TC_ROOT} root'; }
tc_undo() {
  tc filter del dev "$DEV" parent ${TC_ROOT} prio "$PRIO" 2>/dev/null || true
  tc class del dev "$DEV" classid "$CLASS" 2>/dev/null || true
  if has_root && ! tc class show dev "$DEV" | grep -q '^class htb ${TC_ROOT}'; then
    tc qdisc del dev "$DEV" root
  fi
}`;
}

/** The leaf qdisc that makes the effect, and what to say when this kernel does not have it. */
function leaf(params: NetworkParams): { args: string; missing: string; hint: string } {
  if (params.kind === 'bandwidth') {
    // Burst: 10 ms at the rate, and never less than a few full-size packets.
    const burst = Math.max(16_384, Math.ceil(params.rateBits / 8 / 100));
    return {
      args: `tbf rate ${params.rateBits}bit burst ${burst} latency 100ms`,
      missing: 'this kernel has no tbf (sch_tbf), which bandwidth needs; nothing was changed',
      hint: 'use kubelab fault loss, which needs only iptables',
    };
  }
  if (params.kind === 'delay') {
    return {
      args: `netem delay ${params.ms}ms`,
      missing: 'this kernel has no netem (sch_netem), which delay needs; nothing was changed',
      hint: "use kubelab fault loss or kubelab fault bandwidth instead (iptables and tbf only); on the docker provider the nodes run on the host's kernel (kubelab fault support says what it has), a VM's own kernel has netem: the libvirt provider runs delay",
    };
  }
  throw new Error(`${params.kind} is no tc fault`);
}

function tcInject(fault: NetworkFault, lab: LabAccess, peers: string[]): string {
  const params = fault.params;
  const effect = leaf(params);
  const what = params.kind === 'bandwidth' ? `limit to ${formatRate(params.rateBits)}` : `delay by ${params.kind === 'delay' ? params.ms : 0}ms`;
  return script(
    fault.id,
    `${what} the packets to ${peers.join(', ')}`,
    `
${tcHeader(fault, lab)}
ip link show dev "$DEV" > /dev/null 2>&1 || refuse "there is no interface $DEV" "network.interface in the spec names the private interface"
has_root || tc qdisc replace dev "$DEV" root handle ${TC_ROOT} htb
trap tc_undo ERR
tc class add dev "$DEV" parent ${TC_ROOT} classid "$CLASS" htb rate 10gbit quantum 1514
if ! out=$(tc qdisc add dev "$DEV" parent "$CLASS" ${effect.args} 2>&1); then
  trap - ERR
  tc_undo
  case "$out" in
    *"kind is unknown"* | *"No such file or directory"*) refuse "${effect.missing}" ${sh(effect.hint)} ;;
  esac
  echo "$out" >&2
  exit 1
fi
DESTINATIONS=(${peerIps(lab, peers)})
for destination in "\${DESTINATIONS[@]}"; do
  tc filter add dev "$DEV" parent ${TC_ROOT} protocol ip prio "$PRIO" u32 match ip dst "$destination" flowid "$CLASS"
done
`,
  );
}

function tcUndo(fault: NetworkFault, lab: LabAccess): string {
  return script(
    fault.id,
    'remove its tc class and filters',
    `
${tcHeader(fault, lab)}
tc_undo
`,
  );
}

function plan(fault: NetworkFault, lab: LabAccess): Step[] {
  const pairs = fault.pairs ?? [];
  const tc = fault.params.kind === 'bandwidth' || fault.params.kind === 'delay';
  const steps: Step[] = [];
  for (const [node, peers] of byNode(pairs, tc ? 'sender' : 'receiver')) {
    steps.push({
      node,
      inject: { type: 'script', script: tc ? tcInject(fault, lab, peers) : iptablesInject(fault, lab, peers) },
      undo: { type: 'script', script: tc ? tcUndo(fault, lab) : iptablesUndo(fault) },
    });
  }
  return steps;
}

/** Removes every trace of network faults on a node, recorded or not (for `fault clear`). */
function sweep(lab: LabAccess): string {
  return `
if iptables -w -S ${CHAIN} > /dev/null 2>&1; then
  while iptables -w -D INPUT -j ${CHAIN} 2>/dev/null; do :; done
  iptables -w -F ${CHAIN}
  iptables -w -X ${CHAIN}
  echo "removed the iptables chain ${CHAIN}"
fi
if tc qdisc show dev ${sh(lab.interface)} 2>/dev/null | grep -q '^qdisc htb ${TC_ROOT} root'; then
  tc qdisc del dev ${sh(lab.interface)} root
  echo "removed the tc qdiscs on ${lab.interface}"
fi`;
}

const SIDES: Readonly<Record<string, CliOption>> = {
  from: { type: 'string', demand: true, describe: 'Sending side: nodes, roles or groups (SEL)' },
  to: { type: 'string', demand: true, describe: 'Receiving side (SEL)' },
  'one-way': { type: 'boolean', default: false, describe: 'Only from -> to; without it both directions' },
};

/** --node's word for the node whose etcd member leads when the fault starts. */
const ETCD_LEADER = 'etcd-leader';

/** A partition: between two sides, or a named shape among nodes. */
const PARTITION_SIDES: Readonly<Record<string, CliOption>> = {
  from: { type: 'string', describe: 'Sending side: nodes, roles or groups (SEL); or use --shape' },
  to: { type: 'string', describe: 'Receiving side (SEL)' },
  shape: { type: 'string', describe: `Instead of --from/--to, a named partition: ${shapeSummaries()}` },
  among: { type: 'string', describe: "With --shape: the nodes cut, in the lab's order (SEL; default: every Kubernetes node)" },
  node: { type: 'string', describe: `With --shape isolate: the node cut off, or ${ETCD_LEADER} (the node whose member leads etcd as the fault starts)` },
  'one-way': {
    type: 'boolean',
    default: false,
    describe: "Only from -> to (with --shape halves or isolate: the first group's traffic); without it both directions",
  },
};

/** --shape, with --among and --node: the nodes cut, in the lab's order, and the shape's groups. */
function readShape(values: CliValues, lab: LabAccess): ShapeCut {
  const name = textOf(values, 'shape');
  if (!isShapeName(name)) throw new FaultInputError(`--shape: ${JSON.stringify(name)} is no shape kubelab knows`, `choose from ${shapeSummaries()}`);
  if (values.from !== undefined || values.to !== undefined)
    throw new FaultInputError('--shape says where to cut: --from and --to do not go with it', 'leave out --from and --to, or --shape');
  const among =
    values.among === undefined
      ? lab.nodes.filter((n) => isKubernetesNode(n.roles)).map((n) => n.name)
      : resolveSelector(lab.nodes, textOf(values, 'among'), '--among');
  const leader = values.node === ETCD_LEADER;
  let node: string | undefined;
  if (leader) {
    // Filled in by the command's resolve, as the fault starts.
    if (typeof values[ETCD_LEADER] !== 'string')
      throw new FaultInputError(
        `--node ${ETCD_LEADER} is found as the fault starts, on the command line`,
        'in a scenario, pick it with nodes: {leader: {etcd: leader}} and write node: $leader',
      );
    node = values[ETCD_LEADER];
  } else if (values.node !== undefined) {
    const named = resolveSelector(lab.nodes, textOf(values, 'node'), '--node');
    if (named.length !== 1) throw new FaultInputError(`--node ${textOf(values, 'node')} names ${named.length} nodes: ${named.join(', ')}`, 'name one node');
    node = named[0];
  }
  return { ...cutShape(name, among, node, values['one-way'] === true), ...(leader ? { etcdLeader: true } : {}) };
}

/** Where a fault cuts: --from and --to, or (partition) a --shape. */
function readSides(values: CliValues, lab: LabAccess, kind: NetworkKind): { from: string[]; to: string[] } | { shape: ShapeCut } {
  if (kind === 'partition') {
    if (values.shape !== undefined) return { shape: readShape(values, lab) };
    for (const option of ['among', 'node'] as const)
      if (values[option] !== undefined) throw new FaultInputError(`--${option} goes with --shape`, 'add --shape, or leave it out');
    if (values.from === undefined || values.to === undefined)
      throw new FaultInputError('a partition needs --from and --to, or --shape', `give both sides, or one of the shapes: ${SHAPE_NAMES.join(', ')}`);
  }
  return { from: resolveSelector(lab.nodes, textOf(values, 'from'), '--from'), to: resolveSelector(lab.nodes, textOf(values, 'to'), '--to') };
}

const PORT_NAMES = Object.entries(COMPONENT_PORTS)
  .map(([name, port]) => `${name} (${port})`)
  .join(', ');

/** Where packets are dropped on arrival, a port narrows them; tc shapes whole directions. */
const PORT_OPTION: Readonly<Record<string, CliOption>> = {
  port: { type: 'string', describe: `Only TCP traffic to this port of the receiving side: a number, or ${PORT_NAMES}` },
};

function readPort(values: CliValues): number | undefined {
  const value = values.port;
  if (value === undefined) return undefined;
  const text = textOf(values, 'port');
  const named = (COMPONENT_PORTS as Readonly<Record<string, number>>)[text];
  const port = named ?? (/^[0-9]{1,5}$/.test(text) ? Number(text) : NaN);
  if (!(port >= 1 && port <= 65535))
    throw new FaultInputError(`--port: ${JSON.stringify(text)} is not a port`, `give a number from 1 to 65535, or ${PORT_NAMES}`);
  return port;
}

/** A network kind's command; `amount` names its positional (loss <percent>) and reads it. */
function command<K extends NetworkKind>(
  kind: K,
  describe: string,
  amount:
    | { name: string; describe: string; read: (text: string) => Omit<Extract<NetworkParams, { kind: K }>, 'kind' | 'from' | 'to' | 'oneWay' | 'port'> }
    | undefined,
  scope: 'ports' | 'directions',
): KindCommand<NetworkParams> {
  return {
    kind,
    describe,
    ...(amount ? { positional: { name: amount.name, describe: amount.describe } } : {}),
    options: { ...(kind === 'partition' ? PARTITION_SIDES : SIDES), ...(scope === 'ports' ? PORT_OPTION : {}) },
    ...(kind === 'partition'
      ? { resolve: async (values, facts) => (values.node === ETCD_LEADER ? { ...values, [ETCD_LEADER]: await facts.etcdLeader() } : values) }
      : {}),
    parse: (values, lab) => {
      const extra = amount ? amount.read(textOf(values, amount.name)) : {};
      const sides = readSides(values, lab, kind);
      const port = scope === 'ports' ? readPort(values) : undefined;
      return { kind, ...extra, ...sides, oneWay: values['one-way'] === true, ...(port !== undefined ? { port } : {}) } as NetworkParams;
    },
  };
}

const PERCENT = 'a percentage above 0 and at most 100';

function amountText(params: NetworkParams): string {
  switch (params.kind) {
    case 'partition':
      return '';
    case 'loss':
      return ` ${params.percent}%`;
    case 'bandwidth':
      return ` ${formatRate(params.rateBits)}`;
    case 'delay':
      return ` ${params.ms}ms`;
  }
}

export const networkFamily: FaultFamily<NetworkParams> = {
  name: 'network',
  summary: 'cut or slow the network',
  kinds: ['partition', 'loss', 'bandwidth', 'delay'],
  kernelNeeds: { bandwidth: ['NET_SCH_HTB', 'NET_SCH_TBF'], delay: ['NET_SCH_HTB', 'NET_SCH_NETEM'] },
  scope: 'node',
  holdsNodeDown: false,
  commands: [
    command('partition', 'Drop all traffic between --from and --to, or cut a named --shape; only TCP to --port with it (iptables)', undefined, 'ports'),
    command(
      'loss',
      'Drop PERCENT of the packets between --from and --to (iptables statistic match)',
      {
        name: 'percent',
        describe: 'The share of packets dropped: above 0, at most 100',
        read: (text) => ({ percent: read(parsePercent, text, 'loss', PERCENT) }),
      },
      'ports',
    ),
    command(
      'bandwidth',
      'Limit the traffic from --from to --to to RATE, e.g. 1mbit or 500kbit (tc tbf)',
      {
        name: 'rate',
        describe: 'The rate allowed, in bits per second: 1mbit, 500kbit, 2gbit',
        read: (text) => ({ rateBits: read(parseRate, text, 'bandwidth', 'a rate of at least 8kbit such as 1mbit or 500kbit (bit, kbit, mbit, gbit)') }),
      },
      'directions',
    ),
    command(
      'delay',
      "Delay the packets from --from to --to by MS milliseconds (tc netem; needs sch_netem in the node's kernel)",
      {
        name: 'ms',
        describe: 'The added delay, in milliseconds',
        read: (text) => ({ ms: read(parseMilliseconds, text, 'delay', 'a delay in milliseconds such as 100 or 250ms') }),
      },
      'directions',
    ),
  ],
  notes: ['Network faults act between --from and --to in both directions unless --one-way; they only ever name node addresses, so the host keeps its access.'],
  targets: (params, lab) => {
    const pairs = 'shape' in params ? shapePairs(params.shape, params.oneWay) : networkPairs(params.from, params.to, params.oneWay);
    // A shape's least number of nodes leaves it directions to cut.
    if (pairs.length === 0 && !('shape' in params))
      throw new FaultInputError(
        `--from ${params.from.join(',')} and --to ${params.to.join(',')} leave no traffic between two different nodes`,
        'name different nodes or groups on each side',
      );
    const involved = new Set(pairs.flat());
    return { targets: lab.nodes.map((n) => n.name).filter((n) => involved.has(n)), pairs };
  },
  plan: (fault, { lab }) => plan(fault, lab),
  describe: (params) =>
    `${params.kind}${amountText(params)} ${'shape' in params ? `${showShape(params.shape)}${params.oneWay ? ' (one way, from the first group)' : ''}` : `${params.from.join(',')} ${params.oneWay ? '->' : '<->'} ${params.to.join(',')}`}${params.port !== undefined ? ` port ${params.port}` : ''}`,
  // Two network faults clash only on a common direction (sender -> receiver), whatever their kinds,
  // unless each is narrowed to its own port.
  conflict: (candidate, other, _nodes, what) => {
    const { port } = candidate.params;
    if (port !== undefined && other.params.port !== undefined && port !== other.params.port) return undefined;
    const directions = (candidate.pairs ?? []).filter(([a, b]) => (other.pairs ?? []).some(([c, d]) => a === c && b === d));
    return directions.length > 0
      ? `${directions.map(([a, b]) => `${a} -> ${b}`).join(', ')} already ${directions.length === 1 ? 'has' : 'have'} ${what}`
      : undefined;
  },
  sweep,
};
