import type { LabAccess } from '../lab/access.js';
import type { MachineOp, MachineState } from '../providers/driver.js';
import type { ProviderFacts } from '../providers/facts.js';
import type { PlanContext, Step } from './steps.js';
import type { FaultRecord } from './types.js';

/** Every fault's parameters name its kind; the rest is the family's own. */
export interface KindParams {
  kind: string;
}

/** machine: done to the VM or container from outside; node: done inside it, over ssh. */
export type Scope = 'machine' | 'node';

/** A command-line value as the CLI parser hands it over. */
export type CliValue = string | number | boolean | readonly string[] | undefined;
export type CliValues = Readonly<Record<string, CliValue>>;

/** An option of a fault's command (--node, --for, …), described without any parser's types. */
export interface CliOption {
  type: 'string' | 'number' | 'boolean';
  describe: string;
  alias?: string;
  default?: string | number | boolean;
  demand?: boolean;
}

/** The one positional after the kind (`loss <percent>`, `stop <nodes..>`); always text. */
export interface CliPositional {
  name: string;
  describe: string;
  /** Several words (`<nodes..>`). */
  variadic?: boolean;
  /** Marked required in the help even though the command line demands it anyway. */
  demand?: boolean;
}

/** What a command may ask the running cluster when the fault starts, before its values are read. */
export interface ClusterFacts {
  /** The node whose etcd member leads now; throws when none does. */
  etcdLeader(): Promise<string>;
}

/** `kubelab fault KIND …`: how a person asks for one kind, and how that becomes its parameters. */
export interface KindCommand<P extends KindParams> {
  kind: P['kind'];
  describe: string;
  positional?: CliPositional;
  /** In the order the help lists them. */
  options?: Readonly<Record<string, CliOption>>;
  /** Reads the command line into parameters (throws FaultInputError); selectors are resolved against `lab`. */
  parse(values: CliValues, lab: LabAccess): P;
  /**
   * From the command line, before `parse`: the values with what only the running cluster knows
   * filled in (the etcd leader a partition isolates). A scenario picks such nodes as its steps begin instead.
   */
  resolve?(values: CliValues, facts: ClusterFacts): Promise<CliValues>;
}

/**
 * A command that brings nodes back whatever brought them down (`fault resume`, `fault start`): it
 * undoes the family's faults of `undoes` on those nodes, and on other nodes in `from` state runs `op`.
 */
export interface Recovery<K extends string, R extends string> {
  name: R;
  describe: string;
  /** What the CLI prints before the nodes it brought back ("resumed"). */
  done: string;
  undoes: readonly K[];
  from: MachineState;
  op: MachineOp;
}

/** Something a kind needs of the lab's machines that only some providers' machines have. */
export interface MachineNeed {
  /** What it is, as a refusal names it: "machines of their own". */
  what: string;
  met(provider: ProviderFacts): boolean;
  /** Why the kind cannot work without it. */
  why: string;
  /** Where it works, as a hint. */
  where: string;
}

/** The two ways the Kubernetes API is served: each controlplane node's kube-apiserver, and the lab's endpoint in front of them. */
export type ApiPart = 'api-server' | 'endpoint';

/** Where a fault acts: its nodes, and for network faults each direction as [sender, receiver]. */
export interface Targets {
  targets: string[];
  pairs?: [string, string][];
}

/**
 * A family of faults that describes itself: its kinds, how each is asked for, what it targets,
 * how it is done and undone, how it reads, what clashes, and what a sweep removes. The engine,
 * the executor, `describe`, `clear` and the CLI know faults only through this.
 */
export interface FaultFamily<P extends KindParams, R extends string = never> {
  name: string;
  /** What the family does, for the summary of `kubelab fault` ("cut or slow the network"). */
  summary: string;
  kinds: readonly P['kind'][];
  scope: Scope;
  /** While one of its faults is active, its nodes cannot be reached inside (stopped, frozen). */
  holdsNodeDown: boolean;
  commands: readonly KindCommand<P>[];
  recoveries?: readonly Recovery<P['kind'], R>[];
  /** Paragraphs for the help of `kubelab fault`. */
  notes?: readonly string[];
  /**
   * Kernel options (CONFIG_… without the prefix) a kind needs in the node's kernel: the host's on a
   * provider whose machines share it, where `kubelab fault support` checks them.
   */
  kernelNeeds?: Readonly<Partial<Record<P['kind'], readonly string[]>>>;
  /**
   * What kinds need of the provider's machines (a clock of their own, a disk of their own):
   * refused before anything is done on a provider whose machines lack it.
   */
  machineNeeds?: Readonly<Partial<Record<P['kind'], MachineNeed>>>;
  targets(params: P, lab: LabAccess): Targets;
  /** How a fault is done and undone on each node: text and data only, no I/O, so that tests can read it. */
  plan(fault: FaultRecord<P>, context: PlanContext): Step[];
  /** One line a person reads: "loss 30% worker-1 -> cp". */
  describe(params: P): string;
  /**
   * Why two faults of this family on common `nodes` cannot both be active, or undefined when they
   * can. Without it, two faults of one kind on one node clash.
   */
  conflict?(candidate: FaultRecord<P>, other: FaultRecord<P>, nodes: readonly string[], what: string): string | undefined;
  /** The parameters of a fault narrowed to some of its nodes (a recovery of only some of them). */
  restrict?(params: P, nodes: string[]): P;
  /** Bash that removes every trace of the family's faults on a node, recorded or not (`fault clear`). */
  sweep?(lab: LabAccess): string;
  /**
   * What of the Kubernetes API a fault stops serving on its targets: the API servers there, the
   * lab's API endpoint there, or both (a machine that is down serves nothing). Absent: neither.
   */
  stopsApi?(params: P): readonly ApiPart[];
  /** Kinds undone before the machines are destroyed (a paused machine may refuse to be destroyed). */
  undoBeforeDestroy?: readonly P['kind'][];
}
