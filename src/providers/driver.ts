import type { LabModel } from '../model.js';

/**
 * The I/O half of a provider: how to check it is installed, how to act on one machine from outside,
 * and what Vagrant leaves behind. Only the runner (src/commands, src/nodes, src/fault, src/snapshot) uses it; the
 * generator reads the facts alone.
 */
export interface ProviderDriver {
  /** What the provider needs besides Vagrant before any machine is touched; empty when all is there. */
  prerequisites(model: LabModel, probe: Probe): Promise<Missing[]>;
  /** What a person should know before the machines start (they will be slow, a faster setting works). */
  notes?(model: LabModel): Promise<string[]>;
  /**
   * Whether one machine must be created before the others start: a provider that sets up shared
   * things at a machine's first `vagrant up` (vagrant-libvirt copies the box into the storage pool)
   * and guards that only within one process, so separate `vagrant up`s race.
   */
  createOneFirst?(model: LabModel): Promise<boolean>;
  /**
   * Why a failed `vagrant up` (its last lines) is a known race of the provider's Vagrant plugin
   * with something else on the host, after which the same call succeeds; undefined otherwise.
   */
  raceIn?(failedUp: readonly string[]): string | undefined;
  /** The folder the machines' disks are kept in, for the host check's free-disk figure; undefined when unknown. */
  machineStorage(model: LabModel): Promise<string | undefined>;
  /** How to act on one machine from outside it (the machine-level faults, status). */
  machine(ref: MachineRef): MachineControl;
  /**
   * Whether the machine's name reaches it when Vagrant has no record of its id; vagrant-libvirt
   * names domains after the folder (out_cp), so without the record there is no name to use.
   */
  nameReachesMachine: boolean;
  /** Cold snapshots of every machine of a lab; src/snapshot/cut.ts decides the order of the calls. */
  snapshots: MachineSnapshots;
  /** What `vagrant destroy` may leave: found before it runs (it needs the machines), removed after. */
  leftovers?: {
    find(outDir: string): Promise<string[]>;
    /** Removes what nothing uses any more; returns what it removed, described for a person. */
    remove(found: string[]): Promise<string[]>;
  };
}

/** Runs a short command: `exists` when the program could be started, `ok` when it exited 0. */
export type Probe = (file: string, args: string[]) => Promise<{ exists: boolean; ok: boolean; output: string }>;

export interface Missing {
  name: string;
  howToGet: string;
}

/** What can be done to a whole machine from outside it. */
export type MachineOp = 'stop' | 'kill' | 'pause' | 'resume' | 'start';

/** What a machine is doing, in the terms the faults need; absent: there is no machine (never made, or destroyed). */
export type MachineState = 'running' | 'paused' | 'off' | 'absent' | 'unknown';

export interface MachineRef {
  node: string;
  /** Vagrant's id of the machine: container id, VirtualBox VM UUID, libvirt domain UUID. */
  id: string;
  outDir: string;
}

export interface Invocation {
  file: string;
  args: string[];
  /** Vagrant runs in the output folder, where the Vagrantfile is. */
  cwd?: string;
}

export interface MachineControl {
  /** stop is a graceful halt, kill a power cut, pause/resume freeze the whole machine. */
  ops: Record<MachineOp, Invocation>;
  /** Asks for the machine's state; `parse` reads the answer. */
  state: Invocation;
  /**
   * Removes the machine and its disks without Vagrant (which knows only the machines today's
   * Vagrantfile names), in order; a step before the last may fail (a machine already off).
   */
  remove: Invocation[];
  parse: (output: string) => MachineState;
}

export const vagrantOn = (m: MachineRef, ...args: string[]): Invocation => ({ file: 'vagrant', args: [...args, m.node], cwd: m.outDir });

/**
 * A VM's control, whatever its hypervisor: Vagrant halts it (waiting for the guest's own shutdown)
 * and boots it (networks configured again, no provisioning); the hypervisor's tool does what
 * Vagrant cannot: power cut, pause, resume, and reading the state. VirtualBox and libvirt share
 * this, so the libvirt tests run the VirtualBox path too, all but its VBoxManage commands.
 */
export function vagrantVm(
  m: MachineRef,
  own: Pick<MachineControl, 'state' | 'parse' | 'remove'> & { kill: Invocation; pause: Invocation; resume: Invocation },
): MachineControl {
  return {
    ops: { stop: vagrantOn(m, 'halt'), kill: own.kill, pause: own.pause, resume: own.resume, start: vagrantOn(m, 'up', '--no-provision') },
    state: own.state,
    parse: own.parse,
    remove: own.remove,
  };
}

export const stateFrom =
  (table: Record<string, MachineState>) =>
  (output: string): MachineState =>
    table[output.trim()] ?? 'unknown';

/** Every machine of one lab, for the snapshot calls: each call acts on all of them. */
export interface SnapshotTarget {
  outDir: string;
  machines: MachineRef[];
}

/**
 * A provider's half of `kubelab snapshot`. Each call acts on every machine and returns when all are
 * done; the caller guarantees that save and restore run only while every machine is stopped.
 */
export interface MachineSnapshots {
  /** Whether destroying the machines removes their snapshots too (VMs' snapshots live in their disks). */
  diesWithMachines: boolean;
  /** Why snapshots cannot be taken here (a missing plugin, another storage driver); empty when they can. */
  check(target: SnapshotTarget): Promise<string[]>;
  /** Every machine down. A save waits for a clean halt; a restore discards the state, so it need not. */
  stopAll(target: SnapshotTarget, purpose: 'save' | 'restore'): Promise<void>;
  /** Saves every (stopped) machine's state as NAME, replacing an older NAME; what it takes, when known. */
  save(target: SnapshotTarget, name: string): Promise<{ bytes: number | undefined }>;
  /** Puts every (stopped) machine's state of NAME back; leaves the machines stopped. */
  restore(target: SnapshotTarget, name: string): Promise<void>;
  startAll(target: SnapshotTarget): Promise<void>;
  /** Whether every machine's state of NAME is there. */
  has(target: SnapshotTarget, name: string): Promise<boolean>;
  /** Removes NAME's machine state; what is already gone is no error. */
  remove(target: SnapshotTarget, name: string): Promise<void>;
}
