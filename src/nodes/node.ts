import path from 'node:path';
import { DRIVERS } from '../providers/drivers.js';
import { machineRef, machineState, recordedMachineId, runMachineOp, type MachineOp, type MachineRef, type MachineState } from './machine.js';
import type { LabAccess, NodeRef } from '../lab/access.js';
import type { StreamOptions } from '../exec/run.js';
import { answers, runAsRoot, runScriptFile, streamAsRoot, waitForSsh, type ScriptOptions, type ScriptResult, type SshTarget } from './ssh.js';

/**
 * One node of a lab, and every way kubelab reaches it: inside over ssh (as root, with the node's
 * user and key), and its machine from outside through the provider.
 */
export class LabNode {
  readonly name: string;
  readonly ip: string;
  readonly machineName: string;
  readonly ssh: SshTarget;

  constructor(
    /** The lab's output folder: where its key and Vagrant's records are. */
    readonly outDir: string,
    readonly lab: Pick<LabAccess, 'provider' | 'sshUser' | 'sshKey'>,
    readonly ref: NodeRef,
  ) {
    this.name = ref.name;
    this.ip = ref.ip;
    this.machineName = ref.machineName;
    const access = ref.ssh ?? { host: ref.ip, port: 22, user: lab.sshUser, key: lab.sshKey };
    this.ssh = { ...access, key: path.resolve(outDir, access.key) };
  }

  /** Runs a bash script as root on the node; a failing script is a result, not an error. */
  run(script: string, options?: ScriptOptions): Promise<ScriptResult> {
    return runAsRoot(this.ssh, script, options);
  }

  /** Runs a bash script as root that reports as it goes (a watch), until it ends or `signal` stops it. */
  stream(script: string, options: { signal: AbortSignal; onLine: (line: string) => void; connectTimeoutSeconds?: number }): Promise<number | undefined> {
    return streamAsRoot(this.ssh, script, options);
  }

  /** Runs a script of the output folder (provision/docker.sh) as root on the node, as Vagrant runs its provisioners. */
  runScriptFile(scriptPath: string, args: readonly string[], options: Omit<StreamOptions, 'cwd'>): Promise<void> {
    return runScriptFile(this.ssh, this.outDir, scriptPath, args, options);
  }

  /** Whether the node gives a shell over ssh within a few seconds. */
  answers(connectTimeoutSeconds = 5): Promise<boolean> {
    return answers(this.ssh, connectTimeoutSeconds);
  }

  /** Waits until the node answers over ssh, up to `timeoutMs`; false when it did not. */
  waitForSsh(timeoutMs: number): Promise<boolean> {
    return waitForSsh(this.ssh, timeoutMs);
  }

  /** The provider's handle on the node's machine (container id, VM UUID). */
  machine(): Promise<MachineRef> {
    return machineRef(this.outDir, this.lab.provider, this.ref);
  }

  /** What the machine is doing, as its provider says; `absent` when the provider knows no machine of the node. */
  async state(): Promise<MachineState> {
    const id = await recordedMachineId(this.outDir, this.lab.provider, this.name);
    if (id === undefined && !DRIVERS[this.lab.provider].nameReachesMachine) return 'absent';
    const state = await machineState(this.lab.provider, { node: this.name, id: id ?? this.machineName, outDir: this.outDir });
    return state === 'unknown' && id === undefined ? 'absent' : state;
  }

  /** Stops, kills, pauses, resumes or starts the machine, and waits until that has taken effect. */
  async machineOp(op: MachineOp): Promise<void> {
    await runMachineOp(this.lab.provider, await this.machine(), op);
  }
}

/** Every node of the lab, in its order. */
export function labNodes(outDir: string, lab: LabAccess): LabNode[] {
  return lab.nodes.map((ref) => new LabNode(outDir, lab, ref));
}

/** One node of the lab by name. */
export function labNode(outDir: string, lab: LabAccess, name: string): LabNode {
  const ref = lab.nodes.find((n) => n.name === name);
  if (!ref) throw new Error(`node ${name} is not in the lab snapshot`);
  return new LabNode(outDir, lab, ref);
}
