import fs from 'fs-extra';
import path from 'node:path';
import { parseJsonOutput } from '../../input/json.js';
import { readMachineId } from '../../input/machine-id.js';
import { anything, record } from '../../input/shape.js';
import { LAB_FILES } from '../../lab/files.js';
import { capture } from '../../exec/run.js';
import { howToInstall } from '../../exec/install-hints.js';
import { DOCKER_HINT, dockerSnapshots } from './snapshots.js';
import { stateFrom, type Missing, type ProviderDriver } from '../driver.js';

/**
 * Docker networks the lab's containers are attached to, read before `vagrant destroy` removes the
 * containers: Vagrant's docker provider creates one network per private subnet and may leave it.
 */
async function labNetworks(outDir: string): Promise<string[]> {
  const machinesDir = path.join(outDir, LAB_FILES.vagrantDir, 'machines');
  if (!(await fs.pathExists(machinesDir))) return [];
  const networks = new Set<string>();
  for (const machine of await fs.readdir(machinesDir)) {
    const id = await readMachineId(path.join(machinesDir, machine, 'docker', 'id'));
    if (id === undefined) continue;
    const result = await capture('docker', ['inspect', '--format', '{{json .NetworkSettings.Networks}}', id]);
    if (!result.ok) continue;
    const attached = parseJsonOutput(result.stdout, `docker inspect of ${id}`, { shape: record(anything), hint: DOCKER_HINT });
    for (const name of Object.keys(attached)) {
      if (!['bridge', 'host', 'none'].includes(name)) networks.add(name);
    }
  }
  return [...networks].sort();
}

/** Removes the given networks that no container uses any more; returns the ones removed. */
async function removeUnusedNetworks(names: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const name of names) {
    const inUse = await capture('docker', ['network', 'inspect', '--format', '{{len .Containers}}', name]);
    if (!inUse.ok || inUse.stdout.trim() !== '0') continue;
    if ((await capture('docker', ['network', 'rm', name])).ok) removed.push(`network ${name}`);
  }
  return removed;
}

export const dockerDriver: ProviderDriver = {
  async prerequisites(model, probe) {
    const missing: Missing[] = [];
    if (!(await probe('docker', ['info', '--format', '{{.ServerVersion}}'])).ok) {
      missing.push({ name: 'docker (a running Docker daemon)', howToGet: howToInstall('docker') });
    } else if (!(await probe('docker', ['image', 'inspect', model.provider.docker.image])).ok) {
      missing.push({
        name: `the box image ${model.provider.docker.image}`,
        howToGet: "build it once with `kubelab box build` (about two minutes; needs Debian's mirror)",
      });
    }
    return missing;
  },
  async machineStorage() {
    // Each node's root file system is a writable layer in Docker's data, and so is its own Docker's.
    const result = await capture('docker', ['info', '--format', '{{.DockerRootDir}}']);
    const dir = result.stdout.trim();
    return result.ok && path.isAbsolute(dir) ? dir : undefined;
  },
  machine: (m) => ({
    ops: {
      // The box's STOPSIGNAL is SIGRTMIN+3: systemd halts the container cleanly.
      stop: { file: 'docker', args: ['stop', m.id] },
      kill: { file: 'docker', args: ['kill', m.id] },
      pause: { file: 'docker', args: ['pause', m.id] },
      resume: { file: 'docker', args: ['unpause', m.id] },
      start: { file: 'docker', args: ['start', m.id] },
    },
    state: { file: 'docker', args: ['inspect', '--format', '{{.State.Status}}', m.id] },
    // -v: the anonymous volumes of the node's Docker data go with it, as with vagrant destroy.
    remove: [{ file: 'docker', args: ['rm', '--force', '--volumes', m.id] }],
    parse: stateFrom({ running: 'running', paused: 'paused', exited: 'off', created: 'off', dead: 'off' }),
  }),
  snapshots: dockerSnapshots,
  nameReachesMachine: true,
  // To pick a free SSH port, Vagrant lists every container on the host and then inspects each: one
  // removed in between (another lab's, any tool's) fails the whole `vagrant up` before it creates anything.
  raceIn: (failedUp) => {
    const text = failedUp.join('\n');
    return /Command: \["docker", "inspect", "[0-9a-f]{12,64}"/.test(text) && /Error: No such object: [0-9a-f]{12,64}/.test(text)
      ? 'a container on the host went away while Vagrant was listing them'
      : undefined;
  },
  leftovers: { find: labNetworks, remove: removeUnusedNetworks },
};
