import path from 'node:path';
import { NODE_OPTION, nodesOption, read, textOf } from '../cli-values.js';
import { FaultInputError } from '../errors.js';
import type { FaultFamily } from '../family.js';
import {
  endProcessGroup,
  LIB_DIR,
  PROCESS_SAFETY_NET_SECONDS,
  processSeconds,
  RUN_DIR,
  script,
  sh,
  startProcessGroup,
  type PlanContext,
  type Step,
} from '../steps.js';
import type { FaultRecord } from '../types.js';
import { formatBytes, formatDuration, parsePercent, parseSize } from '../../units.js';

export type ResourceParams =
  | { kind: 'disk-fill'; percent: number; path: string; maxBytes: number; nodes: string[] }
  | { kind: 'cpu-hog'; cpus: number | undefined; nodes: string[] }
  | { kind: 'mem-hog'; bytes: number; nodes: string[] };
type ResourceFault = FaultRecord<ResourceParams>;

/**
 * Resource faults: a file that fills a filesystem, and processes that eat CPU or memory. Processes
 * run in their own session under `timeout` (a safety net should kubelab never undo them), and their
 * process group is recorded under /run/kubelab-faults/<id>.pids; fill files are recorded under
 * /var/lib/kubelab-faults/<id>.fill, so that `fault clear` finds them even without kubelab's state.
 */

type DiskFill = Extract<ResourceParams, { kind: 'disk-fill' }>;

function diskFillInject(fault: ResourceFault, params: DiskFill): string {
  return script(
    fault.id,
    `fill the filesystem of ${params.path} to ${params.percent}%`,
    `
TARGET=${sh(params.path)}
PERCENT=${sh(params.percent)}
MAX=${params.maxBytes}
[ -d "$TARGET" ] || refuse "$TARGET is not a directory" "--path names a directory on the filesystem to fill"
read -r used avail < <(df -B1 --output=used,avail "$TARGET" | tail -n 1)
total=$((used + avail))
# df's Use% is used / (used + avail): fill to that, in whole bytes.
want=$(awk -v t="$total" -v p="$PERCENT" 'BEGIN { printf "%.0f", t * p / 100 }')
# Whole blocks, so that df shows the percentage asked for (it rounds up).
block=$(stat -f -c %S "$TARGET")
bytes=$(((want - used) / block * block))
if [ "$bytes" -le 0 ]; then
  refuse "$TARGET is already $((used * 100 / total))% full, at or above $PERCENT%" "ask for a higher percentage"
fi
if [ "$bytes" -gt "$MAX" ]; then
  refuse "filling $TARGET to $PERCENT% would write $((bytes / 1048576)) MiB, more than the limit of $((MAX / 1048576)) MiB" ${sh("raise it with --max if you mean it; on the docker provider a node's / is the host's own disk, so fill a smaller filesystem (a tmpfs, or a volume) instead")}
fi
dir="\${TARGET%/}/.kubelab-fault"
file="$dir/$ID.fill"
mkdir -p "$dir" ${LIB_DIR}
echo "$file" > ${LIB_DIR}/"$ID.fill"
if ! fallocate -l "$bytes" "$file" 2> /dev/null; then
  rm -f "$file"
  head -c "$bytes" /dev/zero > "$file" || { rm -f "$file" ${LIB_DIR}/"$ID.fill"; exit 1; }
fi
echo "$TARGET is now $(df --output=pcent "$TARGET" | tail -n 1 | tr -d ' ') full"
`,
  );
}

function diskFillUndo(fault: ResourceFault): string {
  return script(
    fault.id,
    'remove its fill file',
    `
record=${LIB_DIR}/"$ID.fill"
if [ -f "$record" ]; then
  file=$(cat "$record")
  rm -f "$file"
  rmdir "$(dirname "$file")" 2> /dev/null || true
  rm -f "$record"
fi
rmdir ${LIB_DIR} 2> /dev/null || true
`,
  );
}

/** Starts `command` (bash -c text; $1 is the shell word `argument`) in its own process group, recorded by id. */
function hogInject(fault: ResourceFault, what: string, seconds: number, command: string, argument: string): string {
  return script(fault.id, what, startProcessGroup(`kubelab-${fault.kind}`, seconds, command, argument));
}

function hogUndo(fault: ResourceFault): string {
  return script(
    fault.id,
    'end its processes',
    `
${endProcessGroup(0)}
rmdir ${RUN_DIR} 2> /dev/null || true
`,
  );
}

function plan(fault: ResourceFault, context: PlanContext): Step[] {
  const params = fault.params;
  let inject: string;
  let undo: string;
  if (params.kind === 'disk-fill') {
    inject = diskFillInject(fault, params);
    undo = diskFillUndo(fault);
  } else if (params.kind === 'cpu-hog') {
    // One busy loop per CPU: `yes` into /dev/null spins a core and needs nothing but coreutils.
    const cpus = params.cpus === undefined ? '"$(nproc)"' : String(params.cpus);
    inject = hogInject(
      fault,
      `keep ${params.cpus === undefined ? 'every CPU' : `${params.cpus} CPU(s)`} busy`,
      processSeconds(context),
      'for _ in $(seq "$1"); do yes > /dev/null & done; wait',
      cpus,
    );
    undo = hogUndo(fault);
  } else if (params.kind === 'mem-hog') {
    // tail keeps a line until it ends: a newline-free stream of SIZE bytes is held in memory.
    inject = hogInject(
      fault,
      `hold ${formatBytes(params.bytes)} of memory`,
      processSeconds(context),
      '(head -c "$1" /dev/zero; exec sleep infinity) | tail > /dev/null',
      String(params.bytes),
    );
    undo = hogUndo(fault);
  } else {
    throw new Error(`${(params as { kind: string }).kind} is no resource fault`);
  }
  return fault.targets.map((node) => ({ node, inject: { type: 'script', script: inject }, undo: { type: 'script', script: undo } }));
}

/** Ends every fault process and removes every fill file on a node, recorded or not. */
const SWEEP = `
for record in ${RUN_DIR}/*.pids; do
  [ -e "$record" ] || continue
  kill -TERM -- "-$(cat "$record")" 2> /dev/null || true
  echo "ended the processes of $(basename "$record" .pids)"
done
rm -rf ${RUN_DIR}
for record in ${LIB_DIR}/*.fill; do
  [ -e "$record" ] || continue
  file=$(cat "$record")
  rm -f "$file"
  rmdir "$(dirname "$file")" 2> /dev/null || true
  echo "removed $file"
done
rm -rf ${LIB_DIR}`;

const PERCENT = 'a percentage above 0 and at most 100';

export const resourceFamily: FaultFamily<ResourceParams> = {
  name: 'resource',
  summary: 'fill disks, hog CPU or memory',
  kinds: ['disk-fill', 'cpu-hog', 'mem-hog'],
  scope: 'node',
  holdsNodeDown: false,
  commands: [
    {
      kind: 'disk-fill',
      describe: 'Fill the filesystem of --path on nodes to PERCENT full with a file (undo: remove it)',
      positional: { name: 'percent', describe: "How full the filesystem gets (df's Use%)", demand: true },
      options: {
        ...NODE_OPTION,
        path: { type: 'string', default: '/', describe: 'A directory on the filesystem to fill' },
        max: { type: 'string', default: '10G', describe: "Refuse to write more than this (on the docker provider / is the host's disk)" },
      },
      parse: (values, lab) => {
        const where = textOf(values, 'path');
        if (!path.posix.isAbsolute(where)) throw new FaultInputError(`--path: ${where} is not an absolute path`);
        return {
          kind: 'disk-fill',
          percent: read(parsePercent, textOf(values, 'percent'), 'disk-fill', PERCENT),
          path: path.posix.normalize(where),
          maxBytes: read(parseSize, textOf(values, 'max'), '--max', 'a size such as 512M or 10G'),
          nodes: nodesOption(values, lab),
        };
      },
    },
    {
      kind: 'cpu-hog',
      describe: 'Keep CPUs of nodes busy (undo: end the busy loops)',
      options: { ...NODE_OPTION, cpus: { type: 'number', describe: "How many CPUs (default: all of the node's)" } },
      parse: (values, lab) => {
        const cpus = values.cpus === undefined ? undefined : Number(values.cpus);
        if (cpus !== undefined && !(Number.isInteger(cpus) && cpus >= 1 && cpus <= 256))
          throw new FaultInputError(`--cpus: ${cpus} is not a whole number from 1 to 256`);
        return { kind: 'cpu-hog', cpus, nodes: nodesOption(values, lab) };
      },
    },
    {
      kind: 'mem-hog',
      describe: 'Hold SIZE of memory on nodes, e.g. 512M or 1G (undo: free it)',
      positional: { name: 'size', describe: 'How much memory', demand: true },
      options: NODE_OPTION,
      parse: (values, lab) => ({
        kind: 'mem-hog',
        bytes: read(parseSize, textOf(values, 'size'), 'mem-hog', 'a size such as 512M or 1G'),
        nodes: nodesOption(values, lab),
      }),
    },
  ],
  notes: [
    `Every fault can take --for DURATION and is then undone by itself; hog processes also stop by themselves after --for plus a minute, or after ${formatDuration(PROCESS_SAFETY_NET_SECONDS * 1000)} without --for.`,
  ],
  targets: (params) => ({ targets: params.nodes }),
  plan,
  describe: (params) => {
    const on = params.nodes.join(', ');
    switch (params.kind) {
      case 'disk-fill':
        return `disk-fill ${params.path} to ${params.percent}% on ${on}`;
      case 'cpu-hog':
        return `cpu-hog ${params.cpus === undefined ? 'all CPUs' : `${params.cpus} CPU(s)`} on ${on}`;
      case 'mem-hog':
        return `mem-hog ${formatBytes(params.bytes)} on ${on}`;
    }
  },
  sweep: () => SWEEP,
};
