import path from 'node:path';
import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { kitSystemImages } from '../kit/components.js';
import { labKubectl } from '../kit/tools.js';
import { LAB_FILES } from '../lab/files.js';
import type { BusyPolicy } from '../lab/lock.js';
import { builtinScenarioDir, findScenario } from '../scenario/catalogue.js';
import { unmetNeeds, ScenarioLabError } from '../scenario/resolve.js';
import { writeReport } from '../scenario/report/write.js';
import { runScenario } from '../scenario/runner.js';
import type { ScenarioReport } from '../scenario/types.js';
import { openLab } from './lab.js';

export interface ScenarioRunOptions {
  spec: string;
  out: string;
  scenario: string;
  /** The workload's image; by default the kit's tools image (bash and socat, on every node already). */
  image?: string;
  busy?: BusyPolicy;
  note: (line: string) => void;
  signal: AbortSignal;
}

/** A built-in scenario as `scenarios/NAME.yaml`, another file relative to where kubelab runs: reports travel. */
function shownPath(file: string): string {
  const builtin = path.relative(builtinScenarioDir(), file);
  return builtin.startsWith('..') || path.isAbsolute(builtin) ? path.relative(process.cwd(), file) : `scenarios/${builtin}`;
}

/** A folder name for a run: the scenario and when it began, sortable. */
const runFolder = (name: string, at: Date): string => `${name}-${at.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}`;

/**
 * `kubelab scenario run`: loads the scenario and the lab, holds the lab for the whole run (no
 * apply, destroy or other fault meanwhile), runs it, and writes the report into
 * OUT/scenarios/NAME-TIME/; returns the report and where its Markdown is.
 */
export async function scenarioRun(options: ScenarioRunOptions): Promise<{ report: ScenarioReport; markdown: string }> {
  const scenario = await findScenario(options.scenario);
  const { note, signal } = options;
  return openLab({ spec: options.spec, out: options.out, changes: 'scenario run', busy: options.busy, note, signal }, async (lab) => {
    const cluster = await lab.cluster('scenarios watch a real cluster');
    const unmet = unmetNeeds(scenario.doc, lab.access);
    if (unmet.length)
      throw new ScenarioLabError(`scenario ${scenario.doc.name} needs ${unmet.join('; ')}`, 'run it on a lab that has them (kubelab apply with such a spec)');
    const { model, outDir } = lab;
    const image = options.image ?? (model.images.system === 'kit' ? kitSystemImages(model.kubernetesVersion).alpine : undefined);
    if (!image)
      throw new KubelabError('the test workload needs an image with bash and socat that every node has', {
        hint: 'name one with --image',
        exitCode: EXIT.badInput,
      });
    const kubectl = (await labKubectl(model))?.path;
    const reportDir = path.join(outDir, LAB_FILES.scenarioReports, runFolder(scenario.doc.name, new Date()));
    const report = await runScenario({
      outDir,
      lab: lab.access,
      nodes: lab.nodes,
      kubernetesVersion: model.kubernetesVersion,
      cluster,
      kubectl,
      image,
      scenario: { doc: scenario.doc, file: shownPath(scenario.file) },
      reportDir,
      note,
      signal,
    });
    const files = await writeReport(reportDir, report);
    return { report, markdown: files.markdown };
  });
}
