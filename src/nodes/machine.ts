import path from 'node:path';
import { readMachineId } from '../input/machine-id.js';
import { LAB_FILES } from '../lab/files.js';
import type { NodeRef } from '../lab/access.js';
import type { Invocation, MachineOp, MachineRef, MachineState } from '../providers/driver.js';
import { DRIVERS } from '../providers/drivers.js';
import { run, TIMEOUTS } from '../exec/run.js';
import type { ProviderType } from '../spec/types.js';
import { FaultActionError } from '../fault/errors.js';

export type { MachineOp, MachineRef, MachineState } from '../providers/driver.js';

const idFile = (outDir: string, provider: ProviderType, node: string): string => path.join(outDir, LAB_FILES.vagrantDir, 'machines', node, provider, 'id');

/** Vagrant's record of a node's machine id (container id, VM UUID); undefined when it has none. */
export async function recordedMachineId(outDir: string, provider: ProviderType, node: string): Promise<string | undefined> {
  return readMachineId(idFile(outDir, provider, node));
}

/** Vagrant's id of a node's machine, or the machine's name when Vagrant has no record of it. */
export async function machineRef(outDir: string, provider: ProviderType, node: NodeRef): Promise<MachineRef> {
  const id = await recordedMachineId(outDir, provider, node.name);
  if (id) return { node: node.name, id, outDir };
  if (!DRIVERS[provider].nameReachesMachine) {
    throw new FaultActionError(
      `node ${node.name} has no machine: ${idFile(outDir, provider, node.name)} is missing`,
      'bring the lab up with `kubelab apply` first',
    );
  }
  return { node: node.name, id: node.machineName, outDir };
}

export function machineInvocation(provider: ProviderType, ref: MachineRef, op: MachineOp): Invocation {
  return DRIVERS[provider].machine(ref).ops[op];
}

/** What the machine is doing now, as its provider says. */
export async function machineState(provider: ProviderType, ref: MachineRef): Promise<MachineState> {
  const driver = DRIVERS[provider].machine(ref);
  const result = await run(driver.state.file, driver.state.args, {
    cwd: driver.state.cwd,
    timeoutMs: TIMEOUTS.machineState,
    purpose: `ask the ${provider} provider for a machine's state`,
  });
  return result.exitCode === 0 ? driver.parse(result.stdout) : 'unknown';
}

/** Runs one machine-level op; each returns once it has taken effect (Vagrant's halt waits for the guest). */
export async function runMachineOp(provider: ProviderType, ref: MachineRef, op: MachineOp): Promise<void> {
  const driver = DRIVERS[provider].machine(ref);
  const call = driver.ops[op];
  const result = await run(call.file, call.args, { cwd: call.cwd, timeoutMs: TIMEOUTS.machineOp, purpose: `${op} a machine of the ${provider} provider` });
  if (result.exitCode !== 0) {
    const output = result.all.trim().split('\n').slice(-3).join(' | ');
    throw new FaultActionError(
      `\`${call.file} ${call.args.join(' ')}\` failed for node ${ref.node}: ${output || `exit ${String(result.exitCode)}`}`,
      'kubelab status shows the state of each machine',
    );
  }
}
