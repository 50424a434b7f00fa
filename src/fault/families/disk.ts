import { read, textOf } from '../cli-values.js';
import { FaultInputError } from '../errors.js';
import type { FaultFamily, MachineNeed } from '../family.js';
import { resolveSelector } from '../selectors.js';
import { script, type Step } from '../steps.js';
import type { FaultRecord } from '../types.js';
import { ETCD_DISK } from '../../etcd-disk.js';
import { PROVIDERS } from '../../providers/index.js';
import { formatDuration, parseDuration } from '../../units.js';

export type DiskParams = { kind: 'disk-delay'; delayMs: number; nodes: string[] };
type DiskFault = FaultRecord<DiskParams>;

/**
 * etcd's disk made slow, as etcd's functional tester and the field's postmortems have it (fsync
 * latency → missed heartbeats → elections): every read, write and flush on the etcd node's own
 * data disk waits the delay. The disk's device-mapper device (src/etcd-disk.ts) is reloaded from
 * its plain `linear` mapping to dm-delay's over the same disk, and back on undo, while the file
 * system stays mounted and etcd runs on; a suspended device holds new I/O for the moment of the
 * swap and finishes what was in flight first. The mapping is its own record: whatever the
 * table is, undo and `fault clear` load the linear one over the same disk, and a reboot maps it
 * linear again.
 *
 * Errors (dm-flakey) are left out: ext4 aborts its journal at the first failed write and stays
 * read-only until unmounted, which no undo can do under a running etcd.
 */

/** dm-delay takes any delay; past seconds etcd does not run slowly, it stops (`fault pause` is that). */
export const MAX_DISK_DELAY_MS = 10_000;

const OWN_DISK: MachineNeed = {
  what: "a disk of its own for etcd's data",
  met: (provider) => provider.ownDisks,
  why: "only the libvirt provider gives etcd nodes one (a container's files are on the host's disk; VirtualBox disks are not made by kubelab yet)",
  where: 'use the libvirt provider',
};

const DEVICE = ETCD_DISK.mapper;

/** Bash: the device's table as $sectors, $target, $device and $offset (every target here starts with device and offset). */
const TABLE_FIELDS = `read -r _ sectors target device offset _ <<< "$(dmsetup table ${DEVICE})"`;

/** Bash: TABLE_FIELDS, refusing on a node without the disk. */
const READ_TABLE = `dmsetup info ${DEVICE} > /dev/null 2>&1 || refuse "$(hostname) has no etcd disk of its own (/dev/mapper/${DEVICE})" "etcd nodes of libvirt labs get one when their machine is made: kubelab destroy, then apply, gives an older lab's theirs"
${TABLE_FIELDS}`;

/**
 * Bash: loads $1 as the device's table. Suspending waits for the I/O in flight (delayed I/O
 * included) and holds new I/O until the resume; a table the kernel refuses leaves the old one.
 */
const SWAP_TABLE = `swap_table() {
  dmsetup suspend ${DEVICE}
  if ! dmsetup load ${DEVICE} --table "$1"; then
    dmsetup resume ${DEVICE}
    return 1
  fi
  dmsetup resume ${DEVICE}
}`;

/** Bash: back to the linear mapping over the same disk, when it is anything else. */
const TO_LINEAR = `${SWAP_TABLE}
if dmsetup info ${DEVICE} > /dev/null 2>&1; then
  ${TABLE_FIELDS}
  if [ "$target" != linear ]; then
    swap_table "0 $sectors linear $device $offset"
    echo "etcd's disk is plain again (it was $target)"
  fi
fi`;

function inject(fault: DiskFault): string {
  const { delayMs } = fault.params;
  return script(
    fault.id,
    `make every I/O on etcd's disk wait ${formatDuration(delayMs)}`,
    `
${READ_TABLE}
[ "$target" = linear ] || refuse "etcd's disk on $(hostname) is already mapped as $target, not plain" "kubelab fault list shows what slowed it; kubelab fault clear makes it plain"
${SWAP_TABLE}
swap_table "0 $sectors delay $device $offset ${delayMs}"
echo "etcd's disk waits ${formatDuration(delayMs)} an I/O"
`,
  );
}

function undo(fault: DiskFault): string {
  return script(fault.id, "make etcd's disk plain again", TO_LINEAR);
}

function plan(fault: DiskFault): Step[] {
  const injectScript = inject(fault);
  const undoScript = undo(fault);
  return fault.targets.map((node) => ({ node, inject: { type: 'script', script: injectScript }, undo: { type: 'script', script: undoScript } }));
}

function parseDelay(text: string): number | undefined {
  const ms = parseDuration(text);
  return ms !== undefined && ms <= MAX_DISK_DELAY_MS ? ms : undefined;
}

const DELAY = `a duration from 1ms to ${formatDuration(MAX_DISK_DELAY_MS)}, such as 50ms or 1s`;

export const diskFamily: FaultFamily<DiskParams> = {
  name: 'disk',
  summary: "slow etcd's own disk",
  kinds: ['disk-delay'],
  scope: 'node',
  holdsNodeDown: false,
  machineNeeds: { 'disk-delay': OWN_DISK },
  commands: [
    {
      kind: 'disk-delay',
      describe: "Make every read, write and flush on etcd's own disk wait DELAY, on etcd nodes (undo: plain again)",
      positional: { name: 'delay', describe: 'How long each I/O waits: 50ms, 1s', demand: true },
      options: { node: { alias: 'n', type: 'string', default: 'etcd', describe: 'Which etcd nodes (SEL)' } },
      parse: (values, lab) => {
        const delayMs = read(parseDelay, textOf(values, 'delay'), 'disk-delay', DELAY);
        const nodes = resolveSelector(lab.nodes, textOf(values, 'node'), '--node');
        const others = nodes.filter((name) => !lab.nodes.find((n) => n.name === name)?.roles.includes('etcd'));
        if (others.length > 0)
          throw new FaultInputError(
            `${others.join(', ')}: not an etcd node, and only etcd nodes have a disk of their own`,
            '--node etcd picks every etcd node',
          );
        return { kind: 'disk-delay', delayMs, nodes };
      },
    },
  ],
  notes: ["Disk faults act on etcd's own disk, which etcd nodes of libvirt labs get (made with the machine, at /var/lib/etcd)."],
  targets: (params) => ({ targets: params.nodes }),
  plan,
  describe: (params) => `disk-delay ${formatDuration(params.delayMs)} on ${params.nodes.join(', ')}`,
  // On a provider without disks of their own, a device of that name would be the host's.
  sweep: (lab) => (PROVIDERS[lab.provider].ownDisks ? TO_LINEAR : ''),
};
