import { ownerOf } from './probes/index.js';
import type { Condition, ScenarioDocument } from './types.js';
import type { ClusterView } from './view.js';

/** What a condition is judged against besides the view: the scenario (the workload's size), and the view when the steps began (etcd's term then). */
export interface Judging {
  doc: ScenarioDocument;
  /** undefined before the steps begin. */
  atStepsStart: ClusterView | undefined;
}

/** Whether a condition (its node references already resolved to node names) holds in the view: its probe judges. */
export function holds(condition: Condition, view: ClusterView, judging: Judging): boolean {
  const { probe, conditions } = ownerOf(condition);
  return conditions.holds(condition, { now: view.of(probe), atStepsStart: judging.atStepsStart?.of(probe), doc: judging.doc });
}

/** "worker-1 not Ready", for steps' descriptions and the report. */
export function describeCondition(condition: Condition): string {
  return ownerOf(condition).conditions.describe(condition);
}
