import fs from 'fs-extra';
import path from 'node:path';
import { LAB_FILES } from '../lab-files.js';
import type { NodeRef } from '../nodes/lab.js';
import { run, TIMEOUTS } from '../run/exec.js';
import type { ProviderType } from '../spec/types.js';
import { FaultActionError } from './errors.js';

/** What can be done to a whole machine from outside it. */
export type MachineOp = 'stop' | 'kill' | 'pause' | 'resume' | 'start';

export interface MachineRef {
  node: string;
  /** Vagrant's id of the machine: container id, VirtualBox VM UUID, libvirt domain UUID. */
  id: string;
  outDir: string;
}

interface Invocation {
  file: string;
  args: string[];
  /** Vagrant runs in the output folder, where the Vagrantfile is. */
  cwd?: string;
}

/** What a machine is doing, in the terms the faults need. */
export type MachineState = 'running' | 'paused' | 'off' | 'unknown';

interface Driver {
  tool: string;
  ops: Record<MachineOp, Invocation>;
  /** Asks for the machine's state; `parse` reads the answer. */
  state: Invocation;
  parse: (output: string) => MachineState;
  /** Ops that return before they have taken effect, and the state that says they have. */
  settle?: Partial<Record<MachineOp, { until: MachineState; timeoutMs: number }>>;
}

const libvirtUri = (): string => process.env.LIBVIRT_DEFAULT_URI ?? 'qemu:///system';
const vagrant = (m: MachineRef, ...args: string[]): Invocation => ({ file: 'vagrant', args: [...args, m.node], cwd: m.outDir });
const stateFrom = (table: Record<string, MachineState>) => (output: string): MachineState => table[output.trim()] ?? 'unknown';

/**
 * Every provider difference of the machine-level faults is here, and nowhere else:
 * stop is a graceful halt, kill a power cut, pause/resume freeze the whole machine.
 */
const DRIVERS: Record<ProviderType, (m: MachineRef) => Driver> = {
  docker: (m) => ({
    tool: 'docker',
    ops: {
      // The box's STOPSIGNAL is SIGRTMIN+3: systemd halts the container cleanly.
      stop: { file: 'docker', args: ['stop', m.id] },
      kill: { file: 'docker', args: ['kill', m.id] },
      pause: { file: 'docker', args: ['pause', m.id] },
      resume: { file: 'docker', args: ['unpause', m.id] },
      start: { file: 'docker', args: ['start', m.id] },
    },
    state: { file: 'docker', args: ['inspect', '--format', '{{.State.Status}}', m.id] },
    parse: stateFrom({ running: 'running', paused: 'paused', exited: 'off', created: 'off', dead: 'off' }),
  }),
  virtualbox: (m) => ({
    tool: 'VBoxManage',
    ops: {
      stop: vagrant(m, 'halt'),
      kill: { file: 'VBoxManage', args: ['controlvm', m.id, 'poweroff'] },
      pause: { file: 'VBoxManage', args: ['controlvm', m.id, 'pause'] },
      resume: { file: 'VBoxManage', args: ['controlvm', m.id, 'resume'] },
      start: vagrant(m, 'up', '--no-provision'),
    },
    state: { file: 'VBoxManage', args: ['showvminfo', m.id, '--machinereadable'] },
    parse: (output) => stateFrom({ running: 'running', paused: 'paused', poweroff: 'off', aborted: 'off', saved: 'off' })(/^VMState="([^"]*)"/m.exec(output)?.[1] ?? ''),
  }),
  libvirt: (m) => {
    const virsh = (...args: string[]): Invocation => ({ file: 'virsh', args: ['-c', libvirtUri(), ...args, m.id] });
    return {
      tool: 'virsh',
      ops: { stop: virsh('shutdown'), kill: virsh('destroy'), pause: virsh('suspend'), resume: virsh('resume'), start: virsh('start') },
      state: virsh('domstate'),
      parse: stateFrom({ running: 'running', paused: 'paused', 'shut off': 'off', crashed: 'off' }),
      // virsh shutdown only asks the guest (ACPI): the halt is done when the domain is off.
      settle: { stop: { until: 'off', timeoutMs: 180_000 } },
    };
  },
};

/** Vagrant's id of a node's machine, or the machine's name when Vagrant has no record of it. */
export async function machineRef(outDir: string, provider: ProviderType, node: NodeRef): Promise<MachineRef> {
  const idFile = path.join(outDir, LAB_FILES.vagrantDir, 'machines', node.name, provider, 'id');
  const id = (await fs.readFile(idFile, 'utf8').catch(() => '')).trim();
  if (id) return { node: node.name, id, outDir };
  // vagrant-libvirt names domains after the folder (out_cp): without Vagrant's record, no name to use.
  if (provider === 'libvirt') {
    throw new FaultActionError(`node ${node.name} has no machine: ${idFile} is missing`, 'bring the lab up with `kubelab apply` first');
  }
  return { node: node.name, id: node.machineName, outDir };
}

export function machineInvocation(provider: ProviderType, ref: MachineRef, op: MachineOp): Invocation {
  return DRIVERS[provider](ref).ops[op];
}

/** What the machine is doing now, as its provider says. */
export async function machineState(provider: ProviderType, ref: MachineRef): Promise<MachineState> {
  const driver = DRIVERS[provider](ref);
  const result = await run(driver.state.file, driver.state.args, { cwd: driver.state.cwd, timeoutMs: TIMEOUTS.machineState, purpose: `ask the ${provider} provider for a machine's state` });
  return result.exitCode === 0 ? driver.parse(result.stdout) : 'unknown';
}

/** Runs one machine-level op and waits until it has taken effect. */
export async function runMachineOp(provider: ProviderType, ref: MachineRef, op: MachineOp): Promise<void> {
  const driver = DRIVERS[provider](ref);
  const call = driver.ops[op];
  const result = await run(call.file, call.args, { cwd: call.cwd, timeoutMs: TIMEOUTS.machineOp, purpose: `${op} a machine of the ${provider} provider` });
  if (result.exitCode !== 0) {
    const output = result.all.trim().split('\n').slice(-3).join(' | ');
    throw new FaultActionError(`\`${call.file} ${call.args.join(' ')}\` failed for node ${ref.node}: ${output || `exit ${String(result.exitCode)}`}`, 'kubelab status shows the state of each machine');
  }
  const settle = driver.settle?.[op];
  if (!settle) return;
  const deadline = Date.now() + settle.timeoutMs;
  while ((await machineState(provider, ref)) !== settle.until) {
    if (Date.now() > deadline) {
      throw new FaultActionError(`node ${ref.node} did not finish its ${op} within ${settle.timeoutMs / 1000}s`, `its machine may be hung; \`kubelab fault crash ${ref.node}\` powers it off`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
