import type { FaultParams } from './families/index.js';
import type { KindParams } from './family.js';
import type { LabAccess } from '../lab/access.js';

export type { FaultKind, FaultParams } from './families/index.js';
export { labAccess, type LabAccess, type NodeRef } from '../lab/access.js';

/** One active fault, as kept in out/.kubelab/faults.json; P narrows it to one family's parameters. */
export interface FaultRecord<P extends KindParams = FaultParams> {
  id: string;
  kind: P['kind'];
  params: P;
  /** The lab when the fault was injected: its undo reaches the same machines, whatever the spec says now. */
  lab: LabAccess;
  /** Every node the fault acts on, in the lab's order. */
  targets: string[];
  /** Network faults: each affected direction as [sender, receiver]. */
  pairs?: [string, string][];
  injectedAt: string;
  expiresAt?: string;
  /** The detached process that undoes the fault at expiresAt. */
  timerPid?: number;
  /** Recorded before the injection starts and cleared when it is done: set, kubelab died meanwhile. */
  pending?: boolean;
}

export interface FaultState {
  version: 1;
  /** The number of the next id (f1, f2, …); never reused while the state lives. */
  nextId: number;
  /** The lab at the last injection, for `fault clear` and `destroy`, which may run without a spec. */
  lab: LabAccess | undefined;
  faults: FaultRecord[];
}

/** The numeric part of an id: f12 → 12. */
export function faultNumber(id: string): number {
  return Number(/^f([0-9]+)$/.exec(id)?.[1] ?? NaN);
}
