import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { kitSystemImages } from '../kit/components.js';
import { labKubectl } from '../kit/tools.js';
import { LAB_FILES } from '../lab/files.js';
import { labAccess } from '../lab/access.js';
import { withLabLock, type BusyPolicy } from '../lab/lock.js';
import { builtinScenarioDir, findScenario } from '../scenario/catalogue.js';
import { unmetNeeds, ScenarioLabError } from '../scenario/resolve.js';
import { writeReport } from '../scenario/report/write.js';
import { runScenario } from '../scenario/runner.js';
import { compileSpec } from '../spec/index.js';
import { formatDuration } from '../units.js';
import { err, out } from '../cli/console.js';
import { interruptible } from '../cli/interrupt.js';

export interface ScenarioRunOptions {
  spec: string;
  out: string;
  scenario: string;
  /** The workload's image; by default the kit's tools image (bash and socat, on every node already). */
  image?: string;
  busy?: BusyPolicy;
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
 * OUT/scenarios/NAME-TIME/. Exit 0 when every expectation held, 1 when one did not or a step failed.
 */
export async function scenarioRun(options: ScenarioRunOptions): Promise<number> {
  const scenario = await findScenario(options.scenario);
  const { model } = await compileSpec(options.spec, options.out);
  const outDir = path.resolve(options.out);
  const kubeconfig = path.join(outDir, LAB_FILES.kubeconfig);
  if (!(await fs.pathExists(kubeconfig))) {
    throw new KubelabError(`lab ${model.name} has no Kubernetes yet (${path.relative(process.cwd(), kubeconfig)} does not exist)`, {
      hint: 'bring it up with `kubelab apply`: scenarios watch a real cluster',
    });
  }
  const lab = labAccess(model);
  const unmet = unmetNeeds(scenario.doc, lab);
  if (unmet.length)
    throw new ScenarioLabError(`scenario ${scenario.doc.name} needs ${unmet.join('; ')}`, 'run it on a lab that has them (kubelab apply with such a spec)');
  const image = options.image ?? (model.images.system === 'kit' ? kitSystemImages(model.kubernetesVersion).alpine : undefined);
  if (!image)
    throw new KubelabError('the test workload needs an image with bash and socat that every node has', {
      hint: 'name one with --image',
      exitCode: EXIT.badInput,
    });
  const kubectl = (await labKubectl(model))?.path;
  const reportDir = path.join(outDir, LAB_FILES.scenarioReports, runFolder(scenario.doc.name, new Date()));
  const { signal, dispose } = interruptible(err);
  try {
    const report = await withLabLock(outDir, { command: 'scenario run', busy: options.busy ?? 'fail', note: err, signal, retry: 'kubelab scenario run' }, () =>
      runScenario({
        outDir,
        lab,
        kubernetesVersion: model.kubernetesVersion,
        kubeconfig,
        kubectl,
        image,
        scenario: { doc: scenario.doc, file: shownPath(scenario.file) },
        reportDir,
        note: err,
        signal,
      }),
    );
    const files = await writeReport(reportDir, report);
    out(`scenario ${report.scenario.name}: ${report.verdict.toUpperCase()}${report.error ? ` (${report.error})` : ''}`);
    for (const e of report.expectations) {
      out(
        `  ${e.verdict === 'pass' ? 'pass' : e.verdict === 'fail' ? 'FAIL' : 'n/a '}  ${e.name}: ${e.measuredMs === null ? 'not measured' : formatDuration(e.measuredMs)} (expected ${e.expected})`,
      );
    }
    out(`report: ${path.relative(process.cwd(), files.markdown)}`);
    return report.verdict === 'pass' ? EXIT.ok : EXIT.failed;
  } finally {
    dispose();
  }
}
