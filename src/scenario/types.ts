import type { ProviderType, Role } from '../spec/types.js';
import type { LeaderLease } from './probes/leader-leases.js';
import type { PreconditionName, ProbeCondition, ProbeObservation } from './probes/index.js';

/**
 * A scenario file, as the schema (schema/scenario.schema.json) admits it: what the lab needs, the
 * test workload, the health checks before, the steps, and what to measure. Node references in
 * steps are node names, roles, groups, or `$variables` from `nodes`.
 */
export interface ScenarioDocument {
  /** kebab-case; `kubelab scenario run NAME` finds a built-in by it. */
  name: string;
  title: string;
  description: string;
  /** At least this many nodes of each role, or the scenario cannot run on the lab. */
  needs?: Partial<Record<Role, number>>;
  /** The providers whose labs can run it; all when absent. */
  providers?: ProviderType[];
  /** Variables for steps: one node each, picked when the steps start. */
  nodes?: Record<string, NodePick>;
  /** A Deployment behind a Service in namespace kubelab-scenario; absent: no workload. */
  workload?: WorkloadSpec;
  /** Checked (waited for, up to their timeout) before the first step. */
  preconditions?: Precondition[];
  steps: StepSpec[];
  expectations?: ExpectationSpec[];
  /** Known traps and what to look for, printed in the report. */
  notes?: string[];
}

/**
 * `{role: worker, pick: last}`: a node of a role; `{etcd: leader}` / `{etcd: follower}`: chosen by
 * etcd's state (`bystander`: a follower whose node does not hold the kube-controller-manager lease,
 * so that taking it down moves neither etcd's leader nor the controllers);
 * `{lease: kube-controller-manager}`: the node whose component holds that leader lease.
 */
export type NodePick = { role: Role; pick?: 'first' | 'last' } | { etcd: 'leader' | 'follower' | 'bystander'; index?: number } | { lease: LeaderLease };

export interface WorkloadSpec {
  replicas: number;
  /**
   * Lowers how long the pods tolerate a NotReady or unreachable node (default: the cluster's, 300 s),
   * so that eviction is seen in minutes; the report says so.
   */
  tolerationSeconds?: number;
}

/** A health check offered by a probe (src/scenario/probes/): nodes-ready, api-up, … */
export type Precondition = PreconditionName;

/** A step; `id` names it for `undo` and for expectations. */
export type StepSpec = { id?: string; note?: string } & (
  | { fault: FaultStep }
  | { undo: string }
  | { wait: Condition; timeout?: string }
  | { sleep: string }
  /** kubectl on the lab's kubeconfig (scale CoreDNS down); `revert` runs at `undo` of the step, or at the end if nothing undid it. */
  | { kubectl: string[]; revert?: string[] }
);

/**
 * A fault as `kubelab fault KIND` takes it: `kind`, then the kind's positional by its name
 * (`nodes`, `percent`, `component`) and its options by their long names (`node`, `for`, …).
 */
export interface FaultStep {
  kind: string;
  [option: string]: string | number | boolean | string[] | undefined;
}

/** What a wait waits for: a condition of one of the probes (src/scenario/probes/), true or false of the observer's current view of the cluster. */
export type Condition = ProbeCondition;

/**
 * The time from one step to another (a wait's time is when its condition first held), bounded; or,
 * with `longest`, the longest stretch between the two during which a condition held (0 when it
 * never did): how long clients lost the API while a node was down; or, with `span`, from the first
 * moment it held to the last before a quiet of SPAN_QUIET_MS: how long a client's requests failed
 * now and then.
 */
export interface ExpectationSpec {
  name: string;
  from: string;
  to: string;
  longest?: Condition;
  span?: Condition;
  /** At least / at most: a duration, or a live setting plus or minus a duration. */
  atLeast?: Bound;
  atMost?: Bound;
  /** Why the bounds are what they are, for the report. */
  why?: string;
}

/** A span ends at the last moment its condition held before it stayed false this long. */
export const SPAN_QUIET_MS = 10_000;

export type Bound = string | { setting: SettingName; plus?: string; minus?: string; times?: number };

/** Settings read from the running cluster that scenarios' expectations use. */
export const SETTING_NAMES = [
  'node-monitor-grace-period',
  'node-monitor-period',
  'node-status-update-frequency',
  'node-lease-duration',
  'etcd-heartbeat-interval',
  'etcd-election-timeout',
  'not-ready-toleration',
  'unreachable-toleration',
  'leader-lease-duration',
  'leader-renew-deadline',
  'leader-retry-period',
  // Only in labs with an API endpoint: read from haproxy's configuration (settings.ts).
  'endpoint-check-interval',
  'endpoint-detection-time',
  'endpoint-recovery-time',
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

/** One live setting, its value, and where it came from ("kube-controller-manager --node-monitor-grace-period=40s on cp"). */
export interface Setting {
  name: SettingName;
  ms: number;
  source: string;
  /** The upstream default, when the lab's value differs from it (RKE's own choices). */
  upstreamMs?: number;
}

/**
 * What the observer saw, time-stamped; one JSON line each in the run's journal. Each probe declares
 * its own (src/scenario/probes/: node-ready, node-taint, node-condition, node-lease, leader-lease,
 * api, etcd, pod, endpoints, and probe for DNS and writes); the runner adds its steps and faults.
 */
export type Observation =
  | ProbeObservation
  | { type: 'step'; step: string; phase: 'start' | 'done' | 'failed'; text: string; message?: string }
  | { type: 'fault'; action: 'inject' | 'undo'; id: string; text: string; targets: string[] };

/** An observation with its time: ISO, and milliseconds since the run started. */
export type TimedObservation = Observation & { at: string; t: number };

export type Verdict = 'pass' | 'fail' | 'not-measured';

export interface StepResult {
  id: string;
  text: string;
  startedMs: number;
  /** When the step finished; for a wait, when its condition first held (may precede the wait's start). */
  doneMs: number | null;
  /**
   * The moment expectations measure from and to: when an action (a fault, an undo, kubectl) began —
   * a Docker stop takes seconds, and the failure starts with it — and when a wait's condition first held.
   */
  atMs: number | null;
  result: 'ok' | 'timeout' | 'error' | 'skipped';
  message?: string;
}

export interface ExpectationResult {
  name: string;
  from: string;
  to: string;
  /** What was measured, when it is the longest stretch of a condition: "the API down". */
  longest?: string;
  /** What was measured, when it is from the first to the last moment a condition held. */
  span?: string;
  measuredMs: number | null;
  minMs?: number;
  maxMs?: number;
  /** The bounds as a person reads them: "≤ node-monitor-grace-period (40 s) + 20 s = 60 s". */
  expected: string;
  /** Where the settings in the bounds came from. */
  sources: string[];
  why?: string;
  verdict: Verdict;
}

/** A scenario run, as report.json holds it and the Markdown and the picture show it. */
export interface ScenarioReport {
  version: 1;
  scenario: { name: string; title: string; description: string; file: string };
  lab: { name: string; provider: string; kubernetesVersion: string; nodes: { name: string; roles: Role[] }[] };
  /** The `$variables`, as picked. */
  picked: Record<string, string>;
  startedAt: string;
  endedAt: string;
  verdict: 'pass' | 'fail' | 'error';
  /** Why the run failed or stopped, when it did. */
  error?: string;
  settings: Setting[];
  /** What differs from the cluster's own behaviour because the scenario chose it (a lowered toleration). */
  variants: string[];
  steps: StepResult[];
  expectations: ExpectationResult[];
  notes: string[];
  timeline: TimedObservation[];
}
