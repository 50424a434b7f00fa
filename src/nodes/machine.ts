import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { readMachineId } from '../input/machine-id.js';
import { LAB_FILES } from '../lab/files.js';
import type { NodeRef } from '../lab/access.js';
import type { Invocation, MachineOp, MachineRef, MachineState } from '../providers/driver.js';
import { DRIVERS } from '../providers/drivers.js';
import { run, TIMEOUTS } from '../exec/run.js';
import type { ProviderType } from '../spec/types.js';
import { PROVIDER_TYPES } from '../vocabulary.js';
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

/** A failed provider command's last three lines, on one line, for a message. */
const lastLines = (all: string): string => all.trim().split('\n').slice(-3).join(' | ');

/** Runs one machine-level op; each returns once it has taken effect (Vagrant's halt waits for the guest). */
export async function runMachineOp(provider: ProviderType, ref: MachineRef, op: MachineOp): Promise<void> {
  const driver = DRIVERS[provider].machine(ref);
  const call = driver.ops[op];
  const result = await run(call.file, call.args, { cwd: call.cwd, timeoutMs: TIMEOUTS.machineOp, purpose: `${op} a machine of the ${provider} provider` });
  if (result.exitCode !== 0) {
    const output = lastLines(result.all);
    throw new FaultActionError(
      `\`${call.file} ${call.args.join(' ')}\` failed for node ${ref.node}: ${output || `exit ${String(result.exitCode)}`}`,
      'kubelab status shows the state of each machine',
    );
  }
}

/** A machine Vagrant recorded creating for this lab; the record outlives the Vagrantfile's naming it. */
export interface RecordedMachine {
  node: string;
  provider: ProviderType;
  id: string;
}

/** Every machine recorded in .vagrant/machines/NODE/PROVIDER/id, whatever today's spec names. */
export async function recordedMachines(outDir: string): Promise<RecordedMachine[]> {
  const machinesDir = path.join(outDir, LAB_FILES.vagrantDir, 'machines');
  const found: RecordedMachine[] = [];
  for (const node of (await fs.readdir(machinesDir).catch(() => [])).sort()) {
    // Folder names become arguments and messages: only what a node name can be.
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(node)) continue;
    for (const provider of PROVIDER_TYPES) {
      const id = await readMachineId(idFile(outDir, provider, node));
      if (id) found.push({ node, provider, id });
    }
  }
  return found;
}

/**
 * Removes a recorded machine with its provider's own tool, then its record; false when the provider
 * knew no such machine (removed by hand), whose record alone goes.
 */
export async function removeRecordedMachine(outDir: string, machine: RecordedMachine): Promise<boolean> {
  const ref = { node: machine.node, id: machine.id, outDir };
  const record = path.join(outDir, LAB_FILES.vagrantDir, 'machines', machine.node, machine.provider);
  if ((await machineState(machine.provider, ref)) === 'unknown') {
    await fs.remove(record);
    return false;
  }
  const steps = DRIVERS[machine.provider].machine(ref).remove;
  for (const [index, step] of steps.entries()) {
    const result = await run(step.file, step.args, {
      cwd: step.cwd,
      timeoutMs: TIMEOUTS.machineOp,
      purpose: `remove a machine of the ${machine.provider} provider`,
    });
    if (result.exitCode !== 0 && index === steps.length - 1) {
      const output = lastLines(result.all);
      throw new KubelabError(`\`${step.file} ${step.args.join(' ')}\` failed for machine ${machine.node}: ${output || `exit ${String(result.exitCode)}`}`, {
        hint: `remove it by hand, then its record ${path.dirname(idFile(outDir, machine.provider, machine.node))}`,
      });
    }
  }
  await fs.remove(record);
  return true;
}
