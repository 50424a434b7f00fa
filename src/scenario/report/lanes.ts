/**
 * What the timeline picture shows, computed from a report's timeline: intervals and points in
 * milliseconds since the run started. Pure, so that the picture and the tests agree on the numbers.
 */
import { TRAFFIC_CLIENTS, type TrafficClient } from '../probes/traffic.js';
import type { ScenarioReport, TimedObservation } from '../types.js';
import { isKubernetesNode } from '../../vocabulary.js';

export type ReadyStatus = 'True' | 'False' | 'Unknown';

export interface Interval<T> {
  from: number;
  to: number;
  value: T;
}

export interface NodeLane {
  node: string;
  /** Empty when the observer never saw the node's Ready condition. */
  ready: Interval<ReadyStatus>[];
}

export interface FaultBar {
  id: string;
  text: string;
  targets: string[];
  from: number;
  to: number;
  /** False: still in place when the run ended. */
  undone: boolean;
}

export interface Outage {
  from: number;
  to: number;
  /** False: the API was still down when the run ended. */
  ended: boolean;
  /** The first error seen in the outage. */
  error?: string;
}

export interface LeaderChange {
  t: number;
  /** The last leader seen before the change (the first leader seen is no change). */
  previous: string;
  leader: string;
}

export interface StepMark {
  t: number;
  step: string;
  text: string;
}

export interface Lanes {
  endMs: number;
  nodes: NodeLane[];
  faults: FaultBar[];
  /** The API as its clients get it (through the lab's kubeconfig). */
  api: Outage[];
  /** Each API server asked directly, in the lab's order: only in labs with several controlplane nodes. */
  apiServers: { server: string; outages: Outage[] }[];
  etcd: { leaders: Interval<string | null>[]; changes: LeaderChange[] };
  /** Each client of the workload's Service that made requests: its runs of unanswered requests. */
  clients: { client: TrafficClient; failures: Outage[] }[];
  steps: StepMark[];
}

/** Stable by time: observations written in one millisecond keep the order the observer saw them in. */
export function sortedTimeline(report: ScenarioReport): TimedObservation[] {
  return report.timeline
    .map((o, i) => ({ o, i }))
    .sort((a, b) => a.o.t - b.o.t || a.i - b.i)
    .map(({ o }) => o);
}

/** The end of the run: the later of the last observation and the report's own end, never before 0. */
export function runEndMs(report: ScenarioReport): number {
  const lastT = report.timeline.reduce((max, o) => Math.max(max, o.t), 0);
  const span = Date.parse(report.endedAt) - Date.parse(report.startedAt);
  return Math.max(lastT, Number.isFinite(span) ? span : 0);
}

/**
 * Turns a series of (time, value) samples into intervals of equal value up to `end`. The first
 * sample's value is taken from t=0: the observer's first look is its report of the start, and a
 * gap there would only show its polling latency.
 */
export function samplesToIntervals<T>(samples: { t: number; value: T }[], end: number): Interval<T>[] {
  const out: Interval<T>[] = [];
  for (const [i, s] of samples.entries()) {
    const last = out[out.length - 1];
    if (last && last.value === s.value) continue;
    if (last) last.to = s.t;
    out.push({ from: i === 0 ? 0 : s.t, to: end, value: s.value });
  }
  return out;
}

export function nodeLanes(report: ScenarioReport, timeline: TimedObservation[], end: number): NodeLane[] {
  return report.lab.nodes
    .filter((n) => isKubernetesNode(n.roles))
    .map(({ name }) => {
      const samples: { t: number; value: ReadyStatus }[] = [];
      for (const o of timeline) if (o.type === 'node-ready' && o.node === name) samples.push({ t: o.t, value: o.status });
      return { node: name, ready: samplesToIntervals(samples, end) };
    });
}

/** Injections paired with their undo by id; an injection never undone lasts to the end of the run. */
export function faultBars(timeline: TimedObservation[], end: number): FaultBar[] {
  const bars: FaultBar[] = [];
  const open = new Map<string, FaultBar>();
  for (const o of timeline) {
    if (o.type !== 'fault') continue;
    const current = open.get(o.id);
    if (o.action === 'inject') {
      // The same id injected again before an undo: the first one's end is not known, but it cannot outlast the second's start.
      if (current) current.to = o.t;
      const bar: FaultBar = { id: o.id, text: o.text, targets: [...o.targets], from: o.t, to: end, undone: false };
      bars.push(bar);
      open.set(o.id, bar);
    } else if (current) {
      current.to = o.t;
      current.undone = true;
      open.delete(o.id);
    }
  }
  return bars;
}

/** From an observation that says down to the next that says up; `state` reads an observation (undefined: not about this). */
function outages(timeline: TimedObservation[], end: number, state: (o: TimedObservation) => { up: boolean; error?: string } | undefined): Outage[] {
  const found: Outage[] = [];
  let current: Outage | undefined;
  for (const o of timeline) {
    const seen = state(o);
    if (seen === undefined) continue;
    if (!seen.up && !current) {
      current = { from: o.t, to: end, ended: false, ...(seen.error !== undefined ? { error: seen.error } : {}) };
      found.push(current);
    } else if (seen.up && current) {
      current.to = o.t;
      current.ended = true;
      current = undefined;
    }
  }
  return found;
}

/**
 * From the first `up: false` to the next `up: true`; the API counts as up until seen down. Of the
 * API through the kubeconfig, or, given `server`, of that API server asked directly.
 */
export const apiOutages = (timeline: TimedObservation[], end: number, server?: string): Outage[] =>
  outages(timeline, end, (o) => (o.type === 'api' && o.server === server ? o : undefined));

/** From a request that got no answer to the next that did: a client's runs of failures (by when each request was sent). */
export const requestFailures = (timeline: TimedObservation[], end: number, client: TrafficClient): Outage[] =>
  outages(timeline, end, (o) => (o.type === 'request' && o.client === client ? { up: o.ok } : undefined));

/**
 * The etcd leader over time (null: no leader), and each point where a leader other than the last
 * known one appears; a spell without a leader that ends with the same leader is no change.
 */
export function etcdLeaders(timeline: TimedObservation[], end: number): Lanes['etcd'] {
  const samples: { t: number; value: string | null }[] = [];
  const changes: LeaderChange[] = [];
  let known: string | null = null;
  for (const o of timeline) {
    if (o.type !== 'etcd') continue;
    samples.push({ t: o.t, value: o.leader });
    if (o.leader === null) continue;
    if (known !== null && o.leader !== known) changes.push({ t: o.t, previous: known, leader: o.leader });
    known = o.leader;
  }
  return { leaders: samplesToIntervals(samples, end), changes };
}

export function stepMarks(timeline: TimedObservation[]): StepMark[] {
  const marks: StepMark[] = [];
  for (const o of timeline) if (o.type === 'step' && o.phase === 'done') marks.push({ t: o.t, step: o.step, text: o.text });
  return marks;
}

/**
 * One lane per API server asked directly, in labs with several: with one, its lane would repeat
 * the API's (the probe asks it directly all the same, for conditions about it).
 */
function apiServerLanes(report: ScenarioReport, timeline: TimedObservation[], endMs: number): Lanes['apiServers'] {
  const servers = report.lab.nodes.filter((n) => n.roles.includes('controlplane')).map((n) => n.name);
  if (servers.length < 2) return [];
  return servers
    .filter((server) => timeline.some((o) => o.type === 'api' && o.server === server))
    .map((server) => ({ server, outages: apiOutages(timeline, endMs, server) }));
}

export function computeLanes(report: ScenarioReport): Lanes {
  const timeline = sortedTimeline(report);
  const endMs = runEndMs(report);
  return {
    endMs,
    nodes: nodeLanes(report, timeline, endMs),
    faults: faultBars(timeline, endMs),
    api: apiOutages(timeline, endMs),
    apiServers: apiServerLanes(report, timeline, endMs),
    etcd: etcdLeaders(timeline, endMs),
    clients: TRAFFIC_CLIENTS.filter((client) => timeline.some((o) => o.type === 'request' && o.client === client)).map((client) => ({
      client,
      failures: requestFailures(timeline, endMs, client),
    })),
    steps: stepMarks(timeline),
  };
}
