import { createHash } from 'node:crypto';
import { KubelabError } from '../../errors.js';
import { capture, run, runOrFail, TIMEOUTS } from '../../exec/run.js';
import { parseJsonOutput } from '../../input/json.js';
import { array, nullable, object, optional, string } from '../../input/shape.js';
import type { MachineRef, MachineSnapshots, SnapshotTarget } from '../driver.js';

/**
 * A docker-provider node keeps its whole state in two places Docker made for its container: the
 * container's writable layer (overlay2's upper directory: everything provisioning and RKE changed
 * in the root filesystem) and the volume on /var/lib/docker (the nested Docker's images and
 * containers). Both are copied cold, with every container stopped, and put back into the same
 * container: its id, IP and ssh port stay, and Vagrant still knows it.
 *
 * A snapshot is one Docker volume, `kubelab-snapshot-<lab>-<name>`, with a folder per node. The
 * copies run in a helper container from the node's own image (rsync is in the box), so that
 * kubelab needs no access to Docker's folders and the copy stays on Docker's filesystem.
 */

/** Docker printed JSON it never prints: another program answers as `docker`. */
export const DOCKER_HINT = 'is `docker` on PATH the Docker CLI? `docker version` tells';

/** The labels that tie a snapshot's volume to its lab (for `destroy`) and name. */
const LABEL_OUT = 'org.kubelab.snapshot.out';
const LABEL_NAME = 'org.kubelab.snapshot.name';

export function snapshotVolume(outDir: string, name: string): string {
  return `kubelab-snapshot-${createHash('sha256').update(outDir).digest('hex').slice(0, 10)}-${name}`;
}

/** What a node's state is made of, as the helper mounts it. */
interface NodeState {
  node: string;
  image: string;
  upperDir: string;
  volume: string;
}

const INSPECTED = array(
  object({
    Config: object({ Image: string }),
    GraphDriver: object({ Name: string, Data: nullable(object({ UpperDir: optional(string) })) }),
    Mounts: array(object({ Type: string, Name: optional(string), Destination: string })),
  }),
);

async function nodeState(machine: MachineRef): Promise<NodeState> {
  const [inspected] = parseJsonOutput(
    await runOrFail('docker', ['container', 'inspect', machine.id], { what: `reading node ${machine.node}'s container` }),
    `docker container inspect of node ${machine.node}'s container`,
    { shape: INSPECTED, hint: DOCKER_HINT },
  );
  const upperDir = inspected?.GraphDriver.Data?.UpperDir;
  const volume = inspected?.Mounts.find((m) => m.Destination === '/var/lib/docker' && m.Type === 'volume')?.Name;
  if (!inspected || !upperDir || !volume) {
    throw new KubelabError(`node ${machine.node}'s container has no overlay2 upper directory or no volume on /var/lib/docker`, {
      hint: 'snapshots fit the containers `kubelab apply` makes from the box; `kubelab destroy` and `kubelab apply` make them again',
    });
  }
  return { node: machine.node, image: inspected.Config.Image, upperDir, volume };
}

/**
 * rsync keeps what a node's state is made of: hard links, overlay's whiteouts (device files) and
 * its xattrs (opaque directories), owners by number. On the way back, --delete removes what came
 * after the snapshot, and files whose size and nanosecond mtime are unchanged are not copied again,
 * so a restore writes only what changed.
 */
const RSYNC = 'rsync -aHAX --numeric-ids --modify-window=-1';

const SAVE = `set -eu
dst="/snapshot/$NODE"
rm -rf "$dst.partial"
mkdir -p "$dst.partial/rootfs" "$dst.partial/docker"
${RSYNC} /node/rootfs/ "$dst.partial/rootfs/"
${RSYNC} /node/docker/ "$dst.partial/docker/"
rm -rf "$dst"
mv "$dst.partial" "$dst"
du -sb "$dst" | cut -f1
`;

const RESTORE = `set -eu
src="/snapshot/$NODE"
if [ ! -d "$src/rootfs" ] || [ ! -d "$src/docker" ]; then echo "the snapshot holds no state for node $NODE" >&2; exit 3; fi
${RSYNC} --delete "$src/rootfs/" /node/rootfs/
${RSYNC} --delete "$src/docker/" /node/docker/
`;

async function inHelper(state: NodeState, volume: string, script: string, what: string): Promise<string> {
  const args = [
    'run',
    '--rm',
    // Whiteouts and trusted.* xattrs need root's full powers.
    '--privileged',
    '--network=none',
    '--entrypoint=sh',
    '--env',
    `NODE=${state.node}`,
    '--mount',
    `type=bind,source=${state.upperDir},target=/node/rootfs`,
    '--mount',
    `type=volume,source=${state.volume},target=/node/docker`,
    '--mount',
    `type=volume,source=${volume},target=/snapshot`,
    state.image,
    '-c',
    script,
  ];
  // Copies are not interrupted half-way: they take seconds, and half a copy is worth nothing.
  return runOrFail('docker', args, { what, timeoutMs: TIMEOUTS.none });
}

async function containerStates(target: SnapshotTarget): Promise<Map<string, string>> {
  const ids = target.machines.map((m) => m.id);
  const output = await runOrFail('docker', ['container', 'inspect', '--format', '{{.Id}} {{.State.Status}}', ...ids], {
    what: "reading the nodes' containers",
  });
  return new Map(output.split('\n').map((line) => line.split(' ') as [string, string]));
}

export const dockerSnapshots: MachineSnapshots = {
  diesWithMachines: false,
  async check(target) {
    const problems: string[] = [];
    const driver = await capture('docker', ['info', '--format', '{{.Driver}}']);
    if (driver.ok && driver.stdout.trim() !== 'overlay2') {
      problems.push(`snapshots copy each node's writable layer, which needs Docker's overlay2 storage driver; this Docker uses ${driver.stdout.trim()}`);
    }
    const first = target.machines[0];
    if (first && problems.length === 0) {
      const { image } = await nodeState(first);
      const probe = await run('docker', ['run', '--rm', '--network=none', '--entrypoint=sh', image, '-c', 'command -v rsync']);
      if (!probe.ok) problems.push(`the nodes' image ${image} has no rsync: rebuild it with \`kubelab box build --force\``);
    }
    return problems;
  },

  async stopAll(target, purpose) {
    // The box halts with systemd (STOPSIGNAL SIGRTMIN+3): dockerd, etcd and the kubelet stop cleanly.
    // A restore throws the state away, so it does not wait for that.
    const seconds = purpose === 'save' ? 120 : 0;
    await runOrFail('docker', ['stop', '--time', String(seconds), ...target.machines.map((m) => m.id)], {
      what: 'stopping the nodes',
      timeoutMs: (seconds + 60) * 1000,
    });
    const running = [...(await containerStates(target))].filter(([, status]) => status !== 'exited');
    if (running.length > 0) throw new KubelabError(`containers still running after docker stop: ${running.map(([id]) => id.slice(0, 12)).join(', ')}`);
  },

  async save(target, name) {
    const volume = snapshotVolume(target.outDir, name);
    await runOrFail('docker', ['volume', 'create', '--label', `${LABEL_OUT}=${target.outDir}`, '--label', `${LABEL_NAME}=${name}`, volume], {
      what: 'creating the snapshot volume',
    });
    const states = await Promise.all(target.machines.map(nodeState));
    const sizes = await Promise.all(states.map((s) => inHelper(s, volume, SAVE, `saving node ${s.node}`)));
    return { bytes: sizes.reduce((sum, out) => sum + Number(out.trim().split('\n').pop()), 0) };
  },

  async restore(target, name) {
    const volume = snapshotVolume(target.outDir, name);
    const states = await Promise.all(target.machines.map(nodeState));
    await Promise.all(states.map((s) => inHelper(s, volume, RESTORE, `restoring node ${s.node}`)));
  },

  async startAll(target) {
    await runOrFail('docker', ['start', ...target.machines.map((m) => m.id)], { what: 'starting the nodes', timeoutMs: TIMEOUTS.machineOp });
  },

  async has(target, name) {
    return (await capture('docker', ['volume', 'inspect', snapshotVolume(target.outDir, name)])).ok;
  },

  async remove(target, name) {
    const volume = snapshotVolume(target.outDir, name);
    if (!(await capture('docker', ['volume', 'inspect', volume])).ok) return;
    await runOrFail('docker', ['volume', 'rm', volume], { what: `removing the snapshot volume ${volume}` });
  },
};
