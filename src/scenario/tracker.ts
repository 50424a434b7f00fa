import { holds, type Judging } from './conditions.js';
import type { Timeline } from './timeline.js';
import { SPAN_QUIET_MS, type Condition, type ScenarioDocument, type TimedObservation } from './types.js';
import { ClusterView } from './view.js';

/**
 * Follows the timeline, keeps the cluster view, and for each condition a wait may ask about,
 * when it last became true: a wait is satisfied at that moment, which may come before the wait
 * began (a taint added with the NotReady that the previous step waited for).
 */
export class ConditionTracker {
  readonly view = new ClusterView();
  private readonly since = new Map<string, number | null>();
  private readonly conditions = new Map<string, Condition>();
  private readonly waiters = new Set<() => void>();
  private readonly judging: Judging;

  constructor(
    private readonly timeline: Timeline,
    doc: ScenarioDocument,
  ) {
    this.judging = { doc, atStepsStart: undefined };
    timeline.subscribe((entry) => this.onEntry(entry));
  }

  /**
   * The steps begin: conditions about a change since then (a new etcd leader) compare with the view
   * as it is now, so those already followed (a precondition's) are judged again.
   */
  stepsBegin(): void {
    this.judging.atStepsStart = this.view.copy();
    const t = this.timeline.elapsed();
    for (const [key, condition] of this.conditions) this.update(key, condition, t);
  }

  private onEntry(entry: TimedObservation): void {
    this.view.apply(entry);
    for (const [key, condition] of this.conditions) this.update(key, condition, entry.t);
    for (const wake of this.waiters) wake();
  }

  private update(key: string, condition: Condition, t: number): void {
    const now = holds(condition, this.view, this.judging);
    const was = this.since.get(key) ?? null;
    if (now && was === null) this.since.set(key, t);
    if (!now) this.since.set(key, null);
  }

  /** Starts following a condition, from the beginning of the timeline: when it last turned true may be long past. */
  track(condition: Condition): string {
    const key = JSON.stringify(condition);
    if (this.conditions.has(key)) return key;
    const replay = new ClusterView();
    let since: number | null = null;
    for (const entry of this.timeline.entries) {
      replay.apply(entry);
      const now = holds(condition, replay, this.judging);
      if (now && since === null) since = entry.t;
      if (!now) since = null;
    }
    this.conditions.set(key, condition);
    this.since.set(key, since);
    return key;
  }

  /**
   * The stretches during which the condition held, up to `toMs` (the last one ends there when it
   * still held), replayed from the timeline by the observations' own times: an observation that
   * carries its own time (a log line's) may be written after later ones.
   */
  private stretches(condition: Condition, toMs: number): { from: number; to: number }[] {
    const replay = new ClusterView();
    const found: { from: number; to: number }[] = [];
    let since: number | null = null;
    for (const entry of [...this.timeline.entries].sort((a, b) => a.t - b.t)) {
      if (entry.t > toMs) break;
      replay.apply(entry);
      const now = holds(condition, replay, this.judging);
      if (now && since === null) since = entry.t;
      if (!now && since !== null) {
        found.push({ from: since, to: entry.t });
        since = null;
      }
    }
    if (since !== null) found.push({ from: since, to: toMs });
    return found;
  }

  /** The longest stretch between `fromMs` and `toMs` (ms since the run began) during which the condition held: 0 when it never did. */
  longestHeld(condition: Condition, fromMs: number, toMs: number): number {
    return Math.max(0, ...this.stretches(condition, toMs).map((s) => Math.min(s.to, toMs) - Math.max(s.from, fromMs)));
  }

  /**
   * From the first moment between `fromMs` and `toMs` that the condition held to the last before
   * it stayed false for SPAN_QUIET_MS: 0 when it never held. The quiet ends the span so that one
   * late stray (a request slow for a reason of its own) does not stretch a window of failures it
   * was never part of; the clients' summary still counts it.
   */
  spanHeld(condition: Condition, fromMs: number, toMs: number): number {
    const inside = this.stretches(condition, toMs).filter((s) => s.to > fromMs);
    if (inside.length === 0) return 0;
    let end = inside[0]!.to;
    for (const stretch of inside.slice(1)) {
      if (stretch.from - end > SPAN_QUIET_MS) break;
      end = stretch.to;
    }
    return Math.max(0, end - Math.max(inside[0]!.from, fromMs));
  }

  /** Since when the condition holds (ms since the run began), or null when it does not. */
  heldSince(key: string): number | null {
    return this.since.get(key) ?? null;
  }

  /**
   * Resolves with the time the condition first held (not before `notBefore`), or null when
   * `timeoutMs` passed or `signal` was aborted first. Conditions about the etcd leader or probes
   * change only with an observation, so waking on each one is enough; a timer covers the rest.
   */
  async waitFor(condition: Condition, options: { timeoutMs: number; notBefore: number; signal: AbortSignal }): Promise<number | null> {
    const key = this.track(condition);
    return new Promise((resolve) => {
      const finish = (value: number | null): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        options.signal.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const check = (): void => {
        const since = this.heldSince(key);
        if (since !== null) finish(Math.max(since, options.notBefore));
      };
      const onAbort = (): void => finish(null);
      const timer = setTimeout(() => finish(null), options.timeoutMs);
      options.signal.addEventListener('abort', onAbort);
      this.waiters.add(check);
      check();
    });
  }
}
