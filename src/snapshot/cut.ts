import type { MachineSnapshots, SnapshotTarget } from '../providers/driver.js';

/** Seconds each phase of a cut took. */
export interface CutTimes {
  stop: number;
  copy: number;
  start: number;
}

export interface CutHooks {
  log: (line: string) => void;
  /** Runs after every machine is restored and before any starts: the host's files go back here. */
  beforeStart?: () => Promise<void>;
}

async function timed<T>(log: (line: string) => void, what: string, work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  log(`${what} …`);
  const started = Date.now();
  const value = await work();
  const seconds = (Date.now() - started) / 1000;
  log(`${what}: done in ${seconds.toFixed(1)}s`);
  return { value, seconds };
}

/**
 * One cut through every machine: all stop, then all are saved, then all start. No machine is ever
 * saved while another runs, so etcd's members are captured at the same moment of its log. When
 * the save fails, the machines still start: their state is untouched.
 */
export async function saveCut(
  snapshots: MachineSnapshots,
  target: SnapshotTarget,
  name: string,
  hooks: CutHooks,
): Promise<{ bytes: number | undefined; times: CutTimes }> {
  const count = `${target.machines.length} machine(s)`;
  const stop = await timed(hooks.log, `stopping ${count}`, () => snapshots.stopAll(target, 'save'));
  let copy: { value: { bytes: number | undefined }; seconds: number };
  try {
    copy = await timed(hooks.log, `saving ${count}`, () => snapshots.save(target, name));
  } catch (error) {
    await snapshots.startAll(target).catch(() => undefined);
    throw error;
  }
  const start = await timed(hooks.log, `starting ${count}`, () => snapshots.startAll(target));
  return { bytes: copy.value.bytes, times: { stop: stop.seconds, copy: copy.seconds, start: start.seconds } };
}

/**
 * The way back: all stop, all are restored from the same snapshot, the host's files follow, then
 * all start together. When a restore fails, no machine starts: a member of etcd rolled back while
 * its peers were not would break the cluster, so the machines stay off until a restore succeeds.
 */
export async function restoreCut(snapshots: MachineSnapshots, target: SnapshotTarget, name: string, hooks: CutHooks): Promise<CutTimes> {
  const count = `${target.machines.length} machine(s)`;
  const stop = await timed(hooks.log, `stopping ${count}`, () => snapshots.stopAll(target, 'restore'));
  const copy = await timed(hooks.log, `restoring ${count}`, () => snapshots.restore(target, name));
  await hooks.beforeStart?.();
  const start = await timed(hooks.log, `starting ${count}`, () => snapshots.startAll(target));
  return { stop: stop.seconds, copy: copy.seconds, start: start.seconds };
}
