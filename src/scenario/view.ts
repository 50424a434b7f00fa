import { PROBES, type AnyProbe } from './probes/index.js';
import type { Probe } from './probes/probe.js';
import type { TimedObservation } from './types.js';

const JUDGES: readonly AnyProbe[] = PROBES.filter((probe) => probe.conditions !== undefined);

/**
 * The cluster as the observer last saw it, folded from the timeline: the state of each probe that
 * has conditions (the latest word on each node, pod, probe and the etcd leader). Conditions are
 * judged on it.
 */
export class ClusterView {
  /** Each probe's state, by the probe's name. */
  private readonly states: Map<string, unknown>;

  constructor(states?: Map<string, unknown>) {
    this.states = states ?? new Map(JUDGES.map((probe) => [probe.name, probe.conditions?.initial()]));
  }

  apply(entry: TimedObservation): void {
    for (const probe of JUDGES) probe.conditions?.fold(this.states.get(probe.name), entry);
  }

  /** A probe's state: only the probe itself reads it. */
  of<C extends object, S, O extends { type: string }, P extends string>(probe: Probe<C, S, O, P>): S {
    return this.states.get(probe.name) as S;
  }

  /** The view as it is now, kept apart from what comes next. */
  copy(): ClusterView {
    return new ClusterView(new Map([...this.states].map(([name, state]) => [name, structuredClone(state)])));
  }
}
