/**
 * What the clients of the workload's Service saw, from their requests in a report's timeline: per
 * client, how many were answered, the longest run without an answer, the answers' latency before,
 * during and after the faults, and the share answered in each 10 s. Each client counts from its
 * first answer: before it the workload was still starting (the preconditions waited for it).
 */
import { TRAFFIC_CLIENTS, type TrafficClient } from '../probes/traffic.js';
import type { TimedObservation } from '../types.js';
import { requestFailures, type Outage } from './lanes.js';

export const RATE_BUCKET_MS = 10_000;

export type Phase = 'before' | 'during' | 'after';

export interface PhaseFigures {
  phase: Phase;
  requests: number;
  answered: number;
  /** Of the answered requests, in ms; null without any. */
  p50: number | null;
  p99: number | null;
}

export interface ClientSummary {
  client: TrafficClient;
  requests: number;
  answered: number;
  longestFailure: Outage | null;
  phases: PhaseFigures[];
  /** The share answered in each RATE_BUCKET_MS from the client's first answer (null: no request then). */
  answeredByBucket: (number | null)[];
}

/** Nearest rank: the smallest value with at least `p` of them at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/**
 * While faults were in place: from the start of the step that injected the first (a crash takes
 * effect before its injection is recorded) to the last undo, or the end when one stayed.
 * `timeline` is sorted by time, observations of the same millisecond in the order recorded: the
 * next step may start in the millisecond the injection was recorded, after it.
 */
export function faultSpan(timeline: readonly TimedObservation[], endMs: number): { from: number; to: number } | null {
  const faults = timeline.filter((o) => o.type === 'fault');
  const at = timeline.findIndex((o) => o.type === 'fault' && o.action === 'inject');
  const first = timeline[at];
  if (!first) return null;
  const step = timeline
    .slice(0, at)
    .filter((o) => o.type === 'step' && o.phase === 'start')
    .at(-1);
  const injected = new Set(faults.filter((o) => o.action === 'inject').map((o) => o.id));
  const undone = faults.filter((o) => o.action === 'undo');
  const allUndone = [...injected].every((id) => undone.some((o) => o.id === id));
  return { from: step?.t ?? first.t, to: allUndone ? Math.max(...undone.map((o) => o.t)) : endMs };
}

function figures(phase: Phase, requests: readonly { ok: boolean; ms: number }[]): PhaseFigures {
  const latencies = requests
    .filter((r) => r.ok)
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  return { phase, requests: requests.length, answered: latencies.length, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

/** One summary per client that made requests, in TRAFFIC_CLIENTS' order; `timeline` sorted by time. */
export function clientSummaries(timeline: readonly TimedObservation[], endMs: number): ClientSummary[] {
  const span = faultSpan(timeline, endMs);
  const phaseOf = (t: number): Phase => (span === null || t < span.from ? 'before' : t <= span.to ? 'during' : 'after');
  return TRAFFIC_CLIENTS.flatMap((client) => {
    const all = timeline.flatMap((o) => (o.type === 'request' && o.client === client ? [o] : []));
    const start = all.find((r) => r.ok)?.t;
    if (start === undefined) return [];
    const requests = all.filter((r) => r.t >= start);
    const longestFailure = requestFailures(
      timeline.filter((o) => o.t >= start),
      endMs,
      client,
    ).reduce<Outage | null>((longest, o) => (longest === null || o.to - o.from > longest.to - longest.from ? o : longest), null);
    const buckets = Array.from({ length: Math.max(1, Math.ceil((endMs - start) / RATE_BUCKET_MS)) }, () => ({ requests: 0, answered: 0 }));
    for (const r of requests) {
      const bucket = buckets[Math.min(buckets.length - 1, Math.floor((r.t - start) / RATE_BUCKET_MS))]!;
      bucket.requests++;
      if (r.ok) bucket.answered++;
    }
    return [
      {
        client,
        requests: requests.length,
        answered: requests.filter((r) => r.ok).length,
        longestFailure,
        phases: (['before', 'during', 'after'] as const).map((phase) =>
          figures(
            phase,
            requests.filter((r) => phaseOf(r.t) === phase),
          ),
        ),
        answeredByBucket: buckets.map((b) => (b.requests === 0 ? null : b.answered / b.requests)),
      },
    ];
  });
}
