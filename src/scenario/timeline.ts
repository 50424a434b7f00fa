import fs from 'node:fs';
import type { Observation, TimedObservation } from './types.js';

/**
 * Everything a scenario run saw, in the order it saw it: each observation is time-stamped,
 * appended to the run's JSON-lines journal at once (a run that dies keeps what it saw), and handed
 * to the listeners (the cluster view, waiting steps).
 */
export class Timeline {
  readonly startMs: number;
  readonly entries: TimedObservation[] = [];
  private readonly listeners = new Set<(entry: TimedObservation) => void>();

  constructor(
    private readonly journalFile: string,
    private readonly now: () => number = Date.now,
  ) {
    this.startMs = now();
  }

  record(observation: Observation, atMs = this.now()): TimedObservation {
    const entry = { ...observation, at: new Date(atMs).toISOString(), t: atMs - this.startMs } as TimedObservation;
    this.entries.push(entry);
    fs.appendFileSync(this.journalFile, JSON.stringify(entry) + '\n');
    for (const listener of this.listeners) listener(entry);
    return entry;
  }

  /** Milliseconds since the run started. */
  elapsed(): number {
    return this.now() - this.startMs;
  }

  subscribe(listener: (entry: TimedObservation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
