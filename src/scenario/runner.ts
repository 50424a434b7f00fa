import fs from 'fs-extra';
import path from 'node:path';
import { injectFault, listFaults, undoFaults, type FaultEnv } from '../fault/engine.js';
import type { LabAccess } from '../fault/types.js';
import type { ClusterApi } from '../cluster/kube.js';
import type { LabNode } from '../nodes/node.js';
import { capture } from '../exec/run.js';
import { formatDuration } from '../units.js';
import { expectationConditions, judgeExpectations } from './bounds.js';
import { describeCondition } from './conditions.js';
import { Observer } from './observer.js';
import { etcdLeader } from './probes/etcd.js';
import { leaseHolder } from './probes/leader-leases.js';
import { preconditionConditions, runPreconditions, runProbes, type AnyProbe } from './probes/index.js';
import { pickNodes, resolveCondition } from './resolve.js';
import { lowerTolerations, readContainers, readEndpointSettings, settingsFrom } from './settings.js';
import { kindOf, LabChanges, sleep, stepId, waitConditions, type LabActions, type StepRun } from './steps.js';
import { Timeline } from './timeline.js';
import { ConditionTracker } from './tracker.js';
import { knownTraps } from './traps.js';
import type { Precondition, ScenarioDocument, ScenarioReport, Setting, StepResult } from './types.js';
import { createWorkload, deleteWorkloads, runNamespace } from './workload.js';
import { isKubernetesNode } from '../vocabulary.js';

export interface ScenarioRun {
  outDir: string;
  lab: LabAccess;
  /** The way to each node of the lab. */
  nodes: readonly LabNode[];
  kubernetesVersion: string;
  /** The cluster's API; its kubeconfig is what kubectl steps run with. */
  cluster: ClusterApi;
  /** The image the workload runs (bash and socat): the kit's tools image. */
  image: string;
  scenario: { file: string; doc: ScenarioDocument };
  /** kubectl, for kubectl steps. */
  kubectl: string | undefined;
  /** Where report.json, report.md, timeline.svg and journal.jsonl go. */
  reportDir: string;
  note: (line: string) => void;
  signal: AbortSignal;
}

const PRECONDITION_TIMEOUT_MS = 5 * 60_000;
/** After the last step, the observer keeps watching this long so the report shows the settling. */
const SETTLE_MS = 3_000;

/** A run in progress: what its parts share. */
interface Running {
  run: ScenarioRun;
  doc: ScenarioDocument;
  timeline: Timeline;
  tracker: ConditionTracker;
  faultEnv: FaultEnv;
  actions: LabActions;
  changes: LabChanges;
}

/** What the run found out: the `$variables` as picked, each step's result, and why it stopped, if it did. */
interface Outcome {
  picked: Record<string, string>;
  steps: StepResult[];
  error?: string;
}

/**
 * Runs a scenario on a lab that is up: settings, workload, observer, preconditions, steps, then
 * cleanup (every fault it injected is undone, the workload removed) whatever happened, and the
 * report. Throws only for what makes a report meaningless (no kubeconfig); a step that fails or
 * times out is in the report.
 */
export async function runScenario(run: ScenarioRun): Promise<ScenarioReport> {
  const running = await begin(run);
  const settings = await readSettings(running);
  const preconditions = runPreconditions(running.doc);
  const probes = runProbes(preconditions, [...waitConditions(running.doc), ...expectationConditions(running.doc)]);
  const namespace = runNamespace(new Date(running.timeline.startMs));
  const observer = observerOf(running, probes, namespace);
  const outcome: Outcome = { picked: {}, steps: [] };
  try {
    await createNamespace(running, namespace, probes);
    await observer.start();
    await meetPreconditions(running, preconditions);
    outcome.picked = pickVariables(running);
    running.tracker.stepsBegin();
    outcome.error = await runSteps(running, outcome);
    await sleep(SETTLE_MS, run.signal);
  } catch (caught) {
    outcome.error = messageOf(caught);
  } finally {
    await cleanUp(running, observer);
  }
  return reportOf(running, settings, outcome);
}

/** The run's report folder, its timeline (journal.jsonl there) and what its parts share. */
async function begin(run: ScenarioRun): Promise<Running> {
  const { doc } = run.scenario;
  await fs.mkdirp(run.reportDir);
  const timeline = new Timeline(path.join(run.reportDir, 'journal.jsonl'));
  const faultEnv: FaultEnv = { outDir: run.outDir, note: run.note };
  return { run, doc, timeline, tracker: new ConditionTracker(timeline, doc), faultEnv, actions: labActions(run, faultEnv), changes: new LabChanges() };
}

const messageOf = (caught: unknown): string => (caught instanceof Error ? caught.message : String(caught));

/** The runner's hands on the lab, as the steps use them. */
function labActions(run: ScenarioRun, faultEnv: FaultEnv): LabActions {
  return {
    injectFault: (params, forMs) => injectFault(faultEnv, run.lab, params, forMs),
    undoFault: async (id) => void (await undoFaults(faultEnv, [id])),
    async kubectl(args) {
      if (!run.kubectl) throw new Error('no kubectl found: `kubelab kit build` builds one; or install kubectl on PATH');
      const result = await capture(run.kubectl, ['--kubeconfig', run.cluster.kubeconfig, ...args], { timeoutMs: 60_000 });
      if (!result.ok) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr.trim().split('\n')[0] ?? 'failed'}`);
    },
  };
}

async function readSettings({ run, doc }: Running): Promise<{ settings: Setting[]; variants: string[] }> {
  run.note(`reading the cluster's settings from its containers`);
  const settings = [...settingsFrom(await readContainers(run.nodes)), ...(await readEndpointSettings(run.nodes))];
  return lowerTolerations(settings, doc.workload?.tolerationSeconds);
}

/** The probes the run needs, writing into its timeline. */
function observerOf({ run, timeline }: Running, probes: readonly AnyProbe[], namespace: string): Observer {
  return new Observer(probes, {
    config: run.cluster.config,
    namespace,
    nodes: run.nodes,
    image: run.image,
    emit: (observation, atMs) => void timeline.record(observation, atMs),
    note: run.note,
  });
}

/** The run's namespace, with the test workload in it, when the scenario has a workload or a probe puts something there. */
async function createNamespace({ run, doc }: Running, namespace: string, probes: readonly AnyProbe[]): Promise<void> {
  if (!doc.workload && !probes.some((probe) => probe.needsNamespace)) return;
  const tolerationSeconds = doc.workload?.tolerationSeconds;
  await createWorkload(
    run.cluster.config,
    { namespace, replicas: doc.workload?.replicas ?? 0, image: run.image, ...(tolerationSeconds === undefined ? {} : { tolerationSeconds }) },
    run.note,
  );
}

/** Waits for each precondition's conditions in turn; throws when one does not hold in time. */
async function meetPreconditions({ run, tracker }: Running, names: readonly Precondition[]): Promise<void> {
  const nodes = run.lab.nodes.filter((n) => isKubernetesNode(n.roles)).map((n) => n.name);
  for (const condition of names.flatMap((name) => preconditionConditions(name, nodes))) {
    run.note(`precondition: ${describeCondition(condition)}`);
    const at = await tracker.waitFor(condition, { timeoutMs: PRECONDITION_TIMEOUT_MS, notBefore: 0, signal: run.signal });
    if (at === null)
      throw new Error(
        run.signal.aborted ? 'interrupted' : `precondition not met in ${formatDuration(PRECONDITION_TIMEOUT_MS)}: ${describeCondition(condition)}`,
      );
  }
}

/** Each `$variable`'s node, picked as the steps begin (the etcd leader and the leases' holders are those of now). */
function pickVariables({ run, doc, tracker }: Running): Record<string, string> {
  const picked = pickNodes(doc.nodes ?? {}, run.lab, { etcdLeader: etcdLeader(tracker.view), leaseHolder: (lease) => leaseHolder(tracker.view, lease) });
  if (Object.keys(picked).length)
    run.note(
      `picked: ${Object.entries(picked)
        .map(([k, v]) => `$${k}=${v}`)
        .join(', ')}`,
    );
  return picked;
}

/**
 * Runs the steps in order, each as its kind says, into `outcome.steps`; after a step that fails or
 * times out, or Ctrl-C, the rest are skipped. Returns why the steps stopped, if they did.
 */
async function runSteps({ run, doc, timeline, tracker, actions, changes }: Running, outcome: Outcome): Promise<string | undefined> {
  const context: StepRun = { lab: run.lab, picked: outcome.picked, timeline, tracker, stepsBeginMs: timeline.elapsed(), signal: run.signal, actions, changes };
  const { steps } = outcome;
  let error: string | undefined;
  for (const [index, step] of doc.steps.entries()) {
    const id = stepId(step, index);
    const kind = kindOf(step);
    const text = kind.text(step, outcome.picked);
    if (error !== undefined || run.signal.aborted) {
      steps.push({ id, text, startedMs: timeline.elapsed(), doneMs: null, atMs: null, result: 'skipped' });
      continue;
    }
    run.note(`[${formatDuration(timeline.elapsed())}] ${id}: ${text}`);
    const startedMs = timeline.record({ type: 'step', step: id, phase: 'start', text }).t;
    try {
      const end = await kind.run(step, id, context);
      if ('timedOut' in end) {
        const message = end.timedOut;
        steps.push({ id, text, startedMs, doneMs: null, atMs: null, result: 'timeout', message });
        timeline.record({ type: 'step', step: id, phase: 'failed', text, message });
        error = `${id}: ${text}: ${message}`;
        continue;
      }
      timeline.record({ type: 'step', step: id, phase: 'done', text });
      steps.push({ id, text, startedMs, doneMs: end.doneMs, atMs: kind.moment === 'done' ? end.doneMs : startedMs, result: 'ok' });
    } catch (caught) {
      const message = messageOf(caught);
      steps.push({ id, text, startedMs, doneMs: null, atMs: null, result: 'error', message });
      timeline.record({ type: 'step', step: id, phase: 'failed', text, message });
      error = `${id}: ${message}`;
    }
  }
  return error;
}

/** Whatever happened, the lab is left as it was found: the scenario's faults undone, its kubectl changes reverted, its namespace gone. */
async function cleanUp({ run, faultEnv, actions, changes }: Running, observer: Observer): Promise<void> {
  const active = new Set((await listFaults(faultEnv).catch(() => [])).map((f) => f.id));
  const left = changes.injected.filter((id) => active.has(id)).reverse();
  if (left.length) {
    run.note(`undoing the scenario's faults still active: ${left.join(', ')}`);
    await undoFaults(faultEnv, left).catch((e: unknown) => run.note(`could not undo ${left.join(', ')}: ${String(e)}; kubelab fault clear removes them`));
  }
  for (const [id, revert] of [...changes.reverts].reverse()) {
    run.note(`reverting ${id}: kubectl ${revert.join(' ')}`);
    await actions.kubectl(revert).catch((e: unknown) => run.note(`could not revert ${id}: ${String(e)}`));
  }
  await observer.stop();
  await deleteWorkloads(run.cluster.config, run.note).catch(() => undefined);
}

function reportOf(
  { run, doc, timeline, tracker }: Running,
  { settings, variants }: { settings: Setting[]; variants: string[] },
  outcome: Outcome,
): ScenarioReport {
  const { picked, steps, error } = outcome;
  const expectations = judgeExpectations(doc.expectations ?? [], steps, settings, (how, condition, fromMs, toMs) => {
    const resolved = resolveCondition(condition, picked);
    const ms = how === 'longest' ? tracker.longestHeld(resolved, fromMs, toMs) : tracker.spanHeld(resolved, fromMs, toMs);
    return { ms, text: describeCondition(resolved) };
  });
  const verdict = error !== undefined ? 'error' : expectations.some((e) => e.verdict !== 'pass') ? 'fail' : 'pass';
  return {
    version: 1,
    scenario: { name: doc.name, title: doc.title, description: doc.description, file: run.scenario.file },
    lab: {
      name: run.lab.name,
      provider: run.lab.provider,
      kubernetesVersion: run.kubernetesVersion,
      nodes: run.lab.nodes.map((n) => ({ name: n.name, roles: n.roles })),
    },
    picked,
    startedAt: new Date(timeline.startMs).toISOString(),
    endedAt: new Date().toISOString(),
    verdict,
    ...(error === undefined ? {} : { error }),
    settings,
    variants,
    steps,
    expectations,
    notes: [...(doc.notes ?? []), ...knownTraps(timeline.entries, run.lab)],
    timeline: timeline.entries,
  };
}
