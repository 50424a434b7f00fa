import { KubelabError } from '../errors.js';
import { findScenario } from '../scenario/catalogue.js';

export interface ScenarioRunOptions {
  /** The lab's spec and output folder (--spec, --out). */
  spec: string;
  out: string;
  /** A built-in scenario's name, or a scenario file's path. */
  scenario: string;
  /** Leave the test workload in the cluster after the run. */
  keepWorkload?: boolean;
}

/** Placeholder for the scenario runner: the scenario is loaded (so its problems are reported), nothing is run. */
export async function runScenario(options: ScenarioRunOptions): Promise<number> {
  const { doc } = await findScenario(options.scenario);
  throw new KubelabError(`kubelab scenario run: not implemented yet (scenario ${doc.name} is valid)`);
}
