/**
 * The condensed timeline the Markdown report lists: what changed, in order. Repeats of a state
 * already shown are left out, and node-lease renewals (one every few seconds per node) are only
 * counted.
 */
import type { TimedObservation } from '../types.js';
import { faultLabel, seconds } from './format.js';

export interface TimelineEvent {
  t: number;
  kind: string;
  text: string;
}

export interface LeaseRenewals {
  node: string;
  count: number;
  lastT: number;
  /** The longest time between two renewals: where a node stopped renewing, and for how long. */
  longestGap: { from: number; to: number } | null;
}

interface Described {
  kind: string;
  /** Whose state this is: an event is listed only when its state differs from the subject's last one listed. */
  subject: string;
  /** The state compared; defaults to the text (some texts carry detail, like an error, that is no new state). */
  state?: string;
  text: string;
}

const READY_WORD = { True: 'Ready', False: 'NotReady', Unknown: 'Ready unknown (node stopped reporting)' } as const;

function describe(o: TimedObservation): Described | undefined {
  switch (o.type) {
    case 'node-ready':
      return { kind: 'node', subject: `ready/${o.node}`, text: `${o.node}: ${READY_WORD[o.status]}` };
    case 'node-taint':
      return {
        kind: 'taint',
        subject: `taint/${o.node}/${o.key}/${o.effect}`,
        text: `${o.node}: taint ${o.key}:${o.effect} ${o.present ? 'added' : 'removed'}`,
      };
    case 'node-condition':
      return { kind: 'condition', subject: `condition/${o.node}/${o.condition}`, text: `${o.node}: ${o.condition}=${o.status}` };
    case 'node-lease':
      return undefined;
    // Four a second per client: the report's Clients section sums them up.
    case 'request':
      return undefined;
    case 'pod': {
      const where = o.node === null ? 'not scheduled' : `on ${o.node}`;
      const text = o.deleted ? `${o.pod} deleted (${where})` : `${o.pod} ${where}: ${o.phase}${o.ready ? ', ready' : ', not ready'}`;
      return { kind: 'pod', subject: `pod/${o.pod}`, text };
    }
    case 'endpoints': {
      const list = (names: string[]): string => (names.length > 0 ? ` (${names.join(', ')})` : '');
      const notReady = o.notReady.length > 0 ? `, ${o.notReady.length} not ready${list(o.notReady)}` : '';
      return { kind: 'endpoints', subject: `endpoints/${o.service}`, text: `${o.service}: ${o.ready.length} ready${list(o.ready)}${notReady}` };
    }
    case 'etcd':
      // Two subjects in one observation; the leader is the one listed, health changes come through etcdHealth.
      return {
        kind: 'etcd',
        subject: 'etcd/leader',
        state: o.leader ?? '',
        text: o.leader === null ? 'no leader' : `leader ${o.leader}${o.term !== null ? ` (term ${o.term})` : ''}`,
      };
    case 'leader-lease':
      return {
        kind: 'lease',
        subject: `lease/${o.lease}`,
        state: `${o.holder ?? ''} ${o.process ?? ''}`,
        text: `${o.lease} held by ${o.holder ?? 'nobody'}${o.process === undefined ? '' : ` (process ${o.process.slice(0, 8)})`}${(o.takenMsBeforeSeen ?? 0) < 1000 ? '' : ` (taken ${seconds(o.takenMsBeforeSeen ?? 0)} before it was seen, by its clock)`}`,
      };
    case 'api': {
      const what = o.server === undefined ? 'API' : `API server ${o.server}`;
      return {
        kind: 'api',
        subject: o.server === undefined ? 'api' : `api/${o.server}`,
        state: String(o.up),
        text: o.up ? `${what} up` : `${what} down${o.error !== undefined ? `: ${o.error}` : ''}`,
      };
    }
    case 'probe':
      return {
        kind: 'probe',
        subject: `probe/${o.probe}`,
        state: String(o.ok),
        text: `${o.probe} probe ${o.ok ? 'ok' : 'failed'}${!o.ok && o.error !== undefined ? `: ${o.error}` : ''}`,
      };
    case 'step': {
      const message = o.message !== undefined ? ` — ${o.message}` : '';
      return { kind: 'step', subject: `step/${o.step}`, state: o.phase, text: `${o.step} ${o.phase === 'start' ? 'started' : o.phase}: ${o.text}${message}` };
    }
    case 'fault': {
      return {
        kind: 'fault',
        subject: `fault/${o.id}`,
        state: o.action,
        text: `${o.action === 'inject' ? 'injected' : 'undone'}: ${faultLabel(o.text, o.targets)}`,
      };
    }
  }
}

function etcdHealth(o: TimedObservation): Described | undefined {
  if (o.type !== 'etcd') return undefined;
  const text = o.unhealthy.length > 0 ? `unhealthy: ${o.unhealthy.join(', ')}` : `all members healthy (${o.healthy.join(', ')})`;
  return { kind: 'etcd', subject: 'etcd/health', text };
}

/** The listed events, in time order (the caller sorts the timeline). */
export function condenseTimeline(timeline: TimedObservation[]): TimelineEvent[] {
  const lastState = new Map<string, string>();
  const events: TimelineEvent[] = [];
  for (const o of timeline) {
    for (const d of [describe(o), etcdHealth(o)]) {
      if (!d) continue;
      const state = d.state ?? d.text;
      if (lastState.get(d.subject) === state) continue;
      lastState.set(d.subject, state);
      events.push({ t: o.t, kind: d.kind, text: d.text });
    }
  }
  return events;
}

/** Renewals per node, in order of first renewal (the timeline is sorted by time). */
export function leaseRenewals(timeline: TimedObservation[]): LeaseRenewals[] {
  const byNode = new Map<string, LeaseRenewals>();
  for (const o of timeline) {
    if (o.type !== 'node-lease') continue;
    const entry = byNode.get(o.node);
    if (!entry) {
      byNode.set(o.node, { node: o.node, count: 1, lastT: o.t, longestGap: null });
      continue;
    }
    const gap = entry.longestGap;
    if (gap === null || o.t - entry.lastT > gap.to - gap.from) entry.longestGap = { from: entry.lastT, to: o.t };
    entry.count += 1;
    entry.lastT = o.t;
  }
  return [...byNode.values()];
}
