import fs from 'fs-extra';
import path from 'node:path';
import { injectFault, listFaults, undoFaults, type FaultEnv } from '../fault/engine.js';
import { describeFault } from '../fault/describe.js';
import type { LabAccess } from '../fault/types.js';
import { labNodes } from '../nodes/node.js';
import { capture } from '../exec/run.js';
import { formatDuration, parseDuration } from '../units.js';
import { judgeExpectations } from './bounds.js';
import { describeCondition } from './conditions.js';
import { loadKubeConfig } from './observe/kube.js';
import { Observer } from './observer.js';
import { faultParams, pickNodes, resolveCondition, substitute } from './resolve.js';
import { lowerTolerations, readContainers, settingsFrom } from './settings.js';
import { Timeline } from './timeline.js';
import { ConditionTracker } from './tracker.js';
import { knownTraps } from './traps.js';
import type { Condition, Precondition, ScenarioDocument, ScenarioReport, StepResult, StepSpec } from './types.js';
import { createWorkload, deleteWorkloads, runNamespace } from './workload.js';

export interface ScenarioRun {
  outDir: string;
  lab: LabAccess;
  kubernetesVersion: string;
  kubeconfig: string;
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
const DEFAULT_WAIT_MS = 5 * 60_000;
/** After the last step, the observer keeps watching this long so the report shows the settling. */
const SETTLE_MS = 3_000;

const PRECONDITIONS: Record<Precondition, (nodes: string[]) => Condition[]> = {
  'nodes-ready': (nodes) => nodes.map((node) => ({ node, ready: true })),
  'api-up': () => [{ api: 'up' }],
  'etcd-healthy': () => [{ etcd: 'leader' }],
  'workload-ready': () => [{ workload: 'ready' }],
  'dns-works': () => [{ dns: 'works' }],
};

const usesDns = (doc: ScenarioDocument): boolean => (doc.preconditions ?? []).includes('dns-works') || doc.steps.some((s) => 'wait' in s && 'dns' in s.wait);
const usesWrites = (doc: ScenarioDocument): boolean => doc.steps.some((s) => 'wait' in s && 'writes' in s.wait);

/** Waits `ms`, or less when Ctrl-C comes first. */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

/** A step's id: its own, or its place ("step-3"). */
export const stepId = (step: StepSpec, index: number): string => step.id ?? `step-${index + 1}`;

function stepText(step: StepSpec, picked: Record<string, string>): string {
  if ('fault' in step) {
    const { kind, ...rest } = step.fault;
    const words = Object.entries(rest).map(([k, v]) => `${k}=${substitute(Array.isArray(v) ? v.join(',') : String(v), picked)}`);
    return `fault ${kind} ${words.join(' ')}`.trim();
  }
  if ('undo' in step) return `undo ${step.undo}`;
  if ('wait' in step) return `wait until ${describeCondition(resolveCondition(step.wait, picked))}`;
  if ('kubectl' in step) return `kubectl ${step.kubectl.join(' ')}`;
  return `sleep ${step.sleep}`;
}

/**
 * Runs a scenario on a lab that is up: settings, workload, observer, preconditions, steps, then
 * cleanup (every fault it injected is undone, the workload removed) whatever happened, and the
 * report. Throws only for what makes a report meaningless (no kubeconfig); a step that fails or
 * times out is in the report.
 */
export async function runScenario(run: ScenarioRun): Promise<ScenarioReport> {
  const { doc } = run.scenario;
  await fs.mkdirp(run.reportDir);
  const timeline = new Timeline(path.join(run.reportDir, 'journal.jsonl'));
  const nodes = labNodes(run.outDir, run.lab);
  const replicas = doc.workload?.replicas ?? 0;
  const tracker = new ConditionTracker(timeline, { replicas, termAtStart: null });
  const config = await loadKubeConfig(run.kubeconfig);
  const faultEnv: FaultEnv = { outDir: run.outDir, note: run.note };
  const injected: string[] = [];
  /** kubectl steps' reverts not yet run, by step id. */
  const reverts = new Map<string, string[]>();
  const kubectl = async (args: string[]): Promise<void> => {
    if (!run.kubectl) throw new Error('no kubectl found: `kubelab kit build` builds one; or install kubectl on PATH');
    const result = await capture(run.kubectl, ['--kubeconfig', run.kubeconfig, ...args], { timeoutMs: 60_000 });
    if (!result.ok) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr.trim().split('\n')[0] ?? 'failed'}`);
  };
  const steps: StepResult[] = [];
  const picked: Record<string, string> = {};
  let error: string | undefined;

  run.note(`reading the cluster's settings from its containers`);
  const { settings, variants } = lowerTolerations(settingsFrom(await readContainers(nodes)), doc.workload?.tolerationSeconds);

  const namespace = runNamespace(new Date(timeline.startMs));
  const observer = new Observer(
    timeline,
    config,
    nodes.filter((n) => n.ref.roles.includes('etcd')),
    namespace,
    { writes: usesWrites(doc), dns: usesDns(doc) },
  );
  try {
    if (doc.workload || usesDns(doc) || usesWrites(doc)) {
      await createWorkload(
        config,
        {
          namespace,
          replicas,
          image: run.image,
          ...(doc.workload?.tolerationSeconds === undefined ? {} : { tolerationSeconds: doc.workload.tolerationSeconds }),
          dnsProbe: usesDns(doc),
        },
        run.note,
      );
    }
    await observer.start();
    const preconditions: Condition[] = [...new Set(doc.preconditions ?? [])].flatMap((p) => PRECONDITIONS[p](run.lab.nodes.map((n) => n.name)));
    if (doc.workload && !(doc.preconditions ?? []).includes('workload-ready')) preconditions.push({ workload: 'ready' });
    for (const condition of preconditions) {
      run.note(`precondition: ${describeCondition(condition)}`);
      const at = await tracker.waitFor(condition, { timeoutMs: PRECONDITION_TIMEOUT_MS, notBefore: 0, signal: run.signal });
      if (at === null)
        throw new Error(
          run.signal.aborted ? 'interrupted' : `precondition not met in ${formatDuration(PRECONDITION_TIMEOUT_MS)}: ${describeCondition(condition)}`,
        );
    }
    Object.assign(picked, pickNodes(doc.nodes ?? {}, run.lab, tracker.view.etcdLeader));
    tracker.context.termAtStart = tracker.view.etcdTerm;
    if (Object.keys(picked).length)
      run.note(
        `picked: ${Object.entries(picked)
          .map(([k, v]) => `$${k}=${v}`)
          .join(', ')}`,
      );
    const stepsBegin = timeline.elapsed();
    const faultOfStep = new Map<string, string>();

    for (const [index, step] of doc.steps.entries()) {
      const id = stepId(step, index);
      const text = stepText(step, picked);
      if (error !== undefined || run.signal.aborted) {
        steps.push({ id, text, startedMs: timeline.elapsed(), doneMs: null, atMs: null, result: 'skipped' });
        continue;
      }
      run.note(`[${formatDuration(timeline.elapsed())}] ${id}: ${text}`);
      const startedMs = timeline.record({ type: 'step', step: id, phase: 'start', text }).t;
      try {
        let doneMs: number;
        if ('fault' in step) {
          const { params, forMs } = faultParams(step.fault, picked, run.lab);
          const fault = await injectFault(faultEnv, run.lab, params, forMs);
          injected.push(fault.id);
          faultOfStep.set(id, fault.id);
          doneMs = timeline.record({ type: 'fault', action: 'inject', id: fault.id, text: describeFault(fault), targets: fault.targets }).t;
        } else if ('kubectl' in step) {
          await kubectl(step.kubectl);
          if (step.revert) reverts.set(id, step.revert);
          doneMs = timeline.elapsed();
        } else if ('undo' in step && reverts.has(step.undo)) {
          const revert = reverts.get(step.undo) ?? [];
          reverts.delete(step.undo);
          await kubectl(revert);
          doneMs = timeline.elapsed();
        } else if ('undo' in step) {
          const faultId = faultOfStep.get(step.undo);
          if (!faultId) throw new Error(`step ${step.undo} injected no fault`);
          await undoFaults(faultEnv, [faultId]);
          doneMs = timeline.record({ type: 'fault', action: 'undo', id: faultId, text: `undo ${faultId} (${step.undo})`, targets: [] }).t;
        } else if ('wait' in step) {
          const timeoutMs = step.timeout === undefined ? DEFAULT_WAIT_MS : (parseDuration(step.timeout) ?? DEFAULT_WAIT_MS);
          const at = await tracker.waitFor(resolveCondition(step.wait, picked), { timeoutMs, notBefore: stepsBegin, signal: run.signal });
          if (at === null) {
            const message = run.signal.aborted ? 'interrupted' : `not seen within ${formatDuration(timeoutMs)}`;
            steps.push({ id, text, startedMs, doneMs: null, atMs: null, result: 'timeout', message });
            timeline.record({ type: 'step', step: id, phase: 'failed', text, message });
            error = `${id}: ${text}: ${message}`;
            continue;
          }
          doneMs = at;
        } else {
          await sleep(parseDuration(step.sleep) ?? 0, run.signal);
          doneMs = timeline.elapsed();
        }
        timeline.record({ type: 'step', step: id, phase: 'done', text });
        steps.push({ id, text, startedMs, doneMs, atMs: 'wait' in step || 'sleep' in step ? doneMs : startedMs, result: 'ok' });
      } catch (caught) {
        const message = caught instanceof Error ? caught.message : String(caught);
        steps.push({ id, text, startedMs, doneMs: null, atMs: null, result: 'error', message });
        timeline.record({ type: 'step', step: id, phase: 'failed', text, message });
        error = `${id}: ${message}`;
      }
    }
    await sleep(SETTLE_MS, run.signal);
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  } finally {
    // Whatever happened, the lab is left as it was found: the scenario's faults undone, its workload gone.
    const active = new Set((await listFaults(faultEnv).catch(() => [])).map((f) => f.id));
    const left = injected.filter((id) => active.has(id)).reverse();
    if (left.length) {
      run.note(`undoing the scenario's faults still active: ${left.join(', ')}`);
      await undoFaults(faultEnv, left).catch((e: unknown) => run.note(`could not undo ${left.join(', ')}: ${String(e)}; kubelab fault clear removes them`));
    }
    for (const [id, revert] of [...reverts].reverse()) {
      run.note(`reverting ${id}: kubectl ${revert.join(' ')}`);
      await kubectl(revert).catch((e: unknown) => run.note(`could not revert ${id}: ${String(e)}`));
    }
    await observer.stop();
    await deleteWorkloads(config, run.note).catch(() => undefined);
  }

  const expectations = judgeExpectations(doc.expectations ?? [], steps, settings);
  const verdict = error !== undefined ? 'error' : expectations.some((e) => e.verdict !== 'pass') ? 'fail' : 'pass';
  const report: ScenarioReport = {
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
  return report;
}
