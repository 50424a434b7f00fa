import type { MachineOp } from '../machines.js';
import type { Planner } from '../plan.js';
import type { MachineKind } from '../types.js';

/** Each machine-level fault is one op on each target machine, and its opposite. */
export const MACHINE_OPS: Record<MachineKind, { inject: MachineOp; undo: MachineOp }> = {
  stop: { inject: 'stop', undo: 'start' },
  crash: { inject: 'kill', undo: 'start' },
  freeze: { inject: 'pause', undo: 'resume' },
};

export const planMachine: Planner = (fault) => {
  const ops = MACHINE_OPS[fault.kind as MachineKind];
  return fault.targets.map((node) => ({ node, inject: { type: 'machine', op: ops.inject }, undo: { type: 'machine', op: ops.undo } }));
};
