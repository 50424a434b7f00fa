import { capture, runOrFail, TIMEOUTS } from '../exec/run.js';
import type { MachineControl, MachineRef, MachineSnapshots, SnapshotTarget } from './driver.js';

/**
 * Snapshots of VMs through Vagrant (VirtualBox in core, vagrant-libvirt from 0.10), taken and put
 * back one machine at a time by Vagrant but only ever while every machine is off: the cut is the
 * halt of all of them, and no machine boots before all are reverted. Halted machines give
 * disk-only snapshots, which are small and quick; the boot afterwards is the cost.
 */
const vagrantName = (name: string): string => `kubelab-${name}`;

function onEach(target: SnapshotTarget, what: string, args: (m: MachineRef) => string[]): Promise<string[]> {
  return Promise.all(
    target.machines.map((m) => runOrFail('vagrant', args(m), { cwd: target.outDir, timeoutMs: TIMEOUTS.none, what: `${what} node ${m.node}` })),
  );
}

/**
 * A restore throws the running state away, so it cuts the power through the hypervisor's own tool
 * (`control`): `vagrant halt --force` does that on VirtualBox, but vagrant-libvirt (0.11) first asks
 * the guest to shut down and waits for it: 30 s of a 1-VM restore under TCG, against 1.7 s.
 */
async function powerOff(m: MachineRef, control: MachineControl): Promise<void> {
  const state = await capture(control.state.file, control.state.args, { cwd: control.state.cwd, timeoutMs: TIMEOUTS.machineState });
  if (state.ok && control.parse(state.stdout) === 'off') return;
  const kill = control.ops.kill;
  await runOrFail(kill.file, kill.args, { cwd: kill.cwd, timeoutMs: TIMEOUTS.machineOp, what: `powering off node ${m.node}` });
}

/**
 * `control`: the provider's hand on one machine (to power it off). `minimum`: the plugin that
 * brings snapshots (vagrant-libvirt) and the first version with them.
 */
export function vagrantSnapshots(
  control: (m: MachineRef) => MachineControl,
  minimum?: { plugin: string; version: [number, number, number] },
): MachineSnapshots {
  return {
    diesWithMachines: true,
    async check() {
      if (!minimum) return [];
      const plugins = await capture('vagrant', ['plugin', 'list']);
      const found = new RegExp(`^${minimum.plugin} \\((\\d+)\\.(\\d+)\\.(\\d+)`, 'm').exec(plugins.stdout);
      const version = found ? [Number(found[1]), Number(found[2]), Number(found[3])] : undefined;
      const atLeast = version !== undefined && version.join('.').localeCompare(minimum.version.join('.'), undefined, { numeric: true }) >= 0;
      return atLeast ? [] : [`snapshots need ${minimum.plugin} ${minimum.version.join('.')} or later; found ${version ? version.join('.') : 'none'}`];
    },
    async stopAll(target, purpose) {
      if (purpose === 'restore') await Promise.all(target.machines.map((m) => powerOff(m, control(m))));
      else await onEach(target, 'halting', (m) => ['halt', m.node]);
    },
    async save(target, name) {
      // VirtualBox keeps two snapshots of one name side by side: the older one goes first.
      await this.remove(target, name);
      await onEach(target, 'saving', (m) => ['snapshot', 'save', m.node, vagrantName(name)]);
      return { bytes: undefined };
    },
    async restore(target, name) {
      // --no-start: Vagrant would boot each machine as soon as it is reverted, next to machines that are not yet.
      await onEach(target, 'restoring', (m) => ['snapshot', 'restore', '--no-start', '--no-provision', m.node, vagrantName(name)]);
    },
    async startAll(target) {
      await onEach(target, 'starting', (m) => ['up', '--no-provision', m.node]);
    },
    async has(target, name) {
      const lists = await Promise.all(target.machines.map((m) => capture('vagrant', ['snapshot', 'list', m.node], { cwd: target.outDir })));
      return lists.every((l) => l.ok && l.stdout.split('\n').some((line) => line.trim() === vagrantName(name)));
    },
    async remove(target, name) {
      for (const m of target.machines) {
        const listed = await capture('vagrant', ['snapshot', 'list', m.node], { cwd: target.outDir });
        if (!listed.stdout.split('\n').some((line) => line.trim() === vagrantName(name))) continue;
        await runOrFail('vagrant', ['snapshot', 'delete', m.node, vagrantName(name)], {
          cwd: target.outDir,
          timeoutMs: TIMEOUTS.none,
          what: `deleting the snapshot of node ${m.node}`,
          hint: 'VirtualBox deletes a snapshot faster while its machine is halted',
        });
      }
    },
  };
}
