import type { Planner } from '../plan.js';
import { MACHINE_KINDS, NETWORK_KINDS, type FaultKind } from '../types.js';
import { planComponent } from './component.js';
import { planMachine } from './machine.js';
import { planNetwork } from './network.js';
import { planResource } from './resource.js';

/** machine: done to the VM or container from outside; node: done inside it, over ssh. */
export type Scope = 'machine' | 'node';

export const PLANNERS: Record<FaultKind, Planner> = {
  stop: planMachine,
  crash: planMachine,
  freeze: planMachine,
  partition: planNetwork,
  loss: planNetwork,
  bandwidth: planNetwork,
  delay: planNetwork,
  kill: planComponent,
  'stop-component': planComponent,
  'disk-fill': planResource,
  'cpu-hog': planResource,
  'mem-hog': planResource,
};

export function scopeOf(kind: FaultKind): Scope {
  return (MACHINE_KINDS as readonly string[]).includes(kind) ? 'machine' : 'node';
}

export function isNetworkKind(kind: FaultKind): boolean {
  return (NETWORK_KINDS as readonly string[]).includes(kind);
}
