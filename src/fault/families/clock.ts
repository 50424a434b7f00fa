import { NODE_OPTION, nodesOption, read, textOf } from '../cli-values.js';
import { FaultInputError } from '../errors.js';
import type { FaultFamily, MachineNeed } from '../family.js';
import { endProcessGroup, processSeconds, RUN_DIR, script, sh, startProcessGroup, type PlanContext, type Step } from '../steps.js';
import type { FaultRecord } from '../types.js';
import { PROVIDERS } from '../../providers/index.js';
import { formatDuration, parseDuration } from '../../units.js';

/** offsetMs: how far the node's clock is set ahead (negative: behind). */
export type ClockParams = { kind: 'clock'; offsetMs: number; nodes: string[] } | { kind: 'clock-strobe'; offsetMs: number; periodMs: number; nodes: string[] };
type ClockFault = FaultRecord<ClockParams>;

/**
 * The nodes' clocks, as Jepsen's clock nemesis moves them: `clock` sets a node's clock ahead or
 * behind and holds it there (a bump is one undone soon after); `clock-strobe` flips it between the
 * offset and the true time every period. The node's time sync is stopped first, so that it does
 * not set the clock back, and started again on undo. Undo moves the clock back by the same
 * offset; `fault clear`, which knows no offsets, sets a clock that is more than 2 s off from the
 * machine's hardware clock (the hypervisor's, in the host's time) and ends every strobe.
 *
 * Only on machines of their own: a container's clock is the host's.
 */

/** The time-sync services a node may run; those running are stopped while its clock is off. */
const TIME_SYNC_UNITS = ['systemd-timesyncd.service', 'chrony.service', 'ntp.service', 'ntpsec.service', 'openntpd.service'];

/** Shortest strobe period: each flip is a `date -s`, which a VM under emulation takes tens of ms to do. */
export const MIN_STROBE_PERIOD_MS = 200;
/** A day either way: beyond it certificates and tokens simply fail, which is no clock fault to study. */
export const MAX_OFFSET_MS = 24 * 3600 * 1000;

/**
 * Bash: moves the clock by $1 seconds (decimal, negative: back). GNU date reads the time and sets
 * it in one process: reading it in another first would lose the time between the two, hundreds of
 * milliseconds a move on an emulated VM.
 */
const SHIFT_CLOCK = `shift_clock() {
  date -s "now + $1 seconds" > /dev/null
}`;

/** -1500 → "-1.500": an offset in the seconds shift_clock takes. */
const inSeconds = (ms: number): string => (ms / 1000).toFixed(3);

const STOP_TIME_SYNC = `stopped=""
for unit in ${TIME_SYNC_UNITS.join(' ')}; do
  if systemctl is-active --quiet "$unit" 2> /dev/null; then
    systemctl stop "$unit"
    stopped="$stopped $unit"
  fi
done`;

const START_TIME_SYNC = (record: string): string => `if [ -f "${record}" ]; then
  read -r -a units < "${record}" || true
  for unit in "\${units[@]}"; do
    systemctl start "$unit" || echo "could not start $unit again" >&2
  done
fi`;

/**
 * The strobe itself. Ended (TERM), it sets the true time: the time it started at plus the uptime
 * since (the kernel's monotonic count, to 10 ms), whichever half it was in or wherever a move was.
 */
const STROBE_LOOP = `${SHIFT_CLOCK}
ahead=$1
back=$2
period=$3
read -r started_up _ < /proc/uptime
started=$(date +%s.%N)
restore() {
  read -r up _ < /proc/uptime
  date -s "@$(awk -v started="$started" -v up="$up" -v from="$started_up" 'BEGIN { printf "%.3f", started + up - from }')" > /dev/null
  exit 0
}
trap restore TERM INT
while :; do
  shift_clock "$ahead"
  sleep "$period"
  shift_clock "$back"
  sleep "$period"
done`;

const signed = (ms: number): string => `${ms < 0 ? '-' : '+'}${formatDuration(Math.abs(ms))}`;

function clockInject(fault: ClockFault): string {
  const { offsetMs } = fault.params;
  return script(
    fault.id,
    `set the clock ${signed(offsetMs)}`,
    `
${SHIFT_CLOCK}
mkdir -p ${RUN_DIR}
record=${RUN_DIR}/"$ID.clock"
[ ! -e "$record" ] || refuse "the clock was set by $ID already"
${STOP_TIME_SYNC}
echo "$stopped" > "$record"
shift_clock ${inSeconds(offsetMs)}
echo "the clock reads $(date -u +%FT%T.%3NZ)"
`,
  );
}

function clockUndo(fault: ClockFault): string {
  return script(
    fault.id,
    'set the clock back and start its time sync again',
    `
${SHIFT_CLOCK}
record=${RUN_DIR}/"$ID.clock"
if [ ! -f "$record" ]; then
  echo "no record of $ID: the clock was not set by it"
  exit 0
fi
shift_clock ${inSeconds(-fault.params.offsetMs)}
${START_TIME_SYNC('$record')}
rm -f "$record"
rmdir ${RUN_DIR} 2> /dev/null || true
`,
  );
}

function strobeInject(fault: ClockFault, periodMs: number, context: PlanContext): string {
  return script(
    fault.id,
    `flip the clock ${signed(fault.params.offsetMs)} and back every ${formatDuration(periodMs)}`,
    `
mkdir -p ${RUN_DIR}
record=${RUN_DIR}/"$ID.clock"
[ ! -e "$record" ] || refuse "the clock is strobed by $ID already"
${STOP_TIME_SYNC}
echo "$stopped" > "$record"
${startProcessGroup('kubelab-clock-strobe', processSeconds(context), STROBE_LOOP, [fault.params.offsetMs, -fault.params.offsetMs, periodMs].map(inSeconds).join(' '))}
`,
  );
}

function strobeUndo(fault: ClockFault): string {
  return script(
    fault.id,
    'end the strobe (it sets the true time as it ends) and start the time sync again',
    `
${endProcessGroup(5)}
record=${RUN_DIR}/"$ID.clock"
${START_TIME_SYNC('$record')}
rm -f "$record"
rmdir ${RUN_DIR} 2> /dev/null || true
`,
  );
}

function plan(fault: ClockFault, context: PlanContext): Step[] {
  const { params } = fault;
  const inject = params.kind === 'clock' ? clockInject(fault) : strobeInject(fault, params.periodMs, context);
  const undo = params.kind === 'clock' ? clockUndo(fault) : strobeUndo(fault);
  return fault.targets.map((node) => ({ node, inject: { type: 'script', script: inject }, undo: { type: 'script', script: undo } }));
}

/**
 * Ends every strobe (each sets the true time as it ends), sets a clock more than 2 s off from the
 * machine's hardware clock from it, and starts every enabled time-sync service that is not running.
 */
const SWEEP = `
if pkill -TERM -f kubelab-clock-strobe 2> /dev/null; then
  echo "ended the clock strobes"
  sleep 0.5
fi
if [ -r /sys/class/rtc/rtc0/since_epoch ]; then
  rtc=$(cat /sys/class/rtc/rtc0/since_epoch)
  off=$(($(date +%s) - rtc))
  if [ "\${off#-}" -gt 2 ]; then
    date -s "@$rtc" > /dev/null
    echo "set the clock from the hardware clock (it was $off s off)"
  fi
fi
for unit in ${TIME_SYNC_UNITS.join(' ')}; do
  if systemctl is-enabled --quiet "$unit" 2> /dev/null && ! systemctl is-active --quiet "$unit"; then
    systemctl start "$unit" && echo "started $unit again"
  fi
done`;

/** A clock of the machine's own: a container's is the host's. */
const OWN_CLOCK: MachineNeed = {
  what: 'machines of their own',
  met: (provider) => !provider.sharesHostKernel,
  why: "a container's clock is the host's: setting it would set the host's",
  where: 'use a VM provider (libvirt or virtualbox)',
};

/** "+30s", "-2m", "90s" (ahead), "-500ms": a signed duration, not zero, at most a day. */
export function parseOffset(text: string): number | undefined {
  const match = /^([+-]?)(.+)$/.exec(text.trim());
  const ms = match ? parseDuration(match[2]!) : undefined;
  if (ms === undefined || ms > MAX_OFFSET_MS) return undefined;
  return match?.[1] === '-' ? -ms : ms;
}

const OFFSET = `a signed duration such as +30s, -2m or -500ms, at most ${formatDuration(MAX_OFFSET_MS)}`;

export const clockFamily: FaultFamily<ClockParams> = {
  name: 'clock',
  summary: "move nodes' clocks",
  kinds: ['clock', 'clock-strobe'],
  scope: 'node',
  holdsNodeDown: false,
  machineNeeds: { clock: OWN_CLOCK, 'clock-strobe': OWN_CLOCK },
  commands: [
    {
      kind: 'clock',
      describe: "Set nodes' clocks OFFSET ahead (+30s) or behind (-2m), their time sync stopped (undo: set them back, start it)",
      positional: { name: 'offset', describe: 'How far: +30s, -2m, -500ms', demand: true },
      options: NODE_OPTION,
      parse: (values, lab) => ({
        kind: 'clock',
        offsetMs: read(parseOffset, textOf(values, 'offset'), 'clock', OFFSET),
        nodes: nodesOption(values, lab),
      }),
    },
    {
      kind: 'clock-strobe',
      describe: "Flip nodes' clocks between OFFSET and the true time every --period (undo: end it at the true time)",
      positional: { name: 'offset', describe: 'How far: +30s, -2m, -500ms', demand: true },
      options: {
        ...NODE_OPTION,
        period: { type: 'string', default: '1s', describe: `How long each half lasts; at least ${formatDuration(MIN_STROBE_PERIOD_MS)}` },
      },
      parse: (values, lab) => {
        const periodMs = read(parseDuration, textOf(values, 'period'), '--period', 'a duration such as 1s or 500ms');
        if (periodMs < MIN_STROBE_PERIOD_MS)
          throw new FaultInputError(
            `--period ${formatDuration(periodMs)} is faster than a node can follow: each flip sets the clock, which takes tens of milliseconds on an emulated VM`,
            `give at least ${formatDuration(MIN_STROBE_PERIOD_MS)}`,
          );
        return {
          kind: 'clock-strobe',
          offsetMs: read(parseOffset, textOf(values, 'offset'), 'clock-strobe', OFFSET),
          periodMs,
          nodes: nodesOption(values, lab),
        };
      },
    },
  ],
  notes: ["Clock faults need machines of their own (libvirt, VirtualBox): a docker-provider node's clock is the host's."],
  targets: (params) => ({ targets: params.nodes }),
  plan,
  describe: (params) =>
    params.kind === 'clock'
      ? `clock ${signed(params.offsetMs)} on ${params.nodes.join(', ')}`
      : `clock-strobe ${signed(params.offsetMs)} every ${formatDuration(params.periodMs)} on ${params.nodes.join(', ')}`,
  // One clock per node: any two clock faults on a node clash.
  conflict: (candidate, _other, nodes, what) => `the clock of ${nodes.join(', ')} is already under ${what}`,
  // A container's clock is the host's: a sweep there must not touch it.
  sweep: (lab) => (PROVIDERS[lab.provider].sharesHostKernel ? '' : SWEEP),
};
