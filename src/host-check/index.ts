import type { HostDemand, HostLimit, HostReadings, LimitJudgement } from './limit.js';
import { conntrack } from './limits/conntrack.js';
import { disk } from './limits/disk.js';
import { inotifyInstances, inotifyWatches } from './limits/inotify.js';
import { rootKeys } from './limits/keys.js';
import { memory } from './limits/memory.js';
import { neighbours } from './limits/neighbours.js';
import { tasks } from './limits/tasks.js';

export type { HostDemand, HostReadings, LimitJudgement, Remedy, Verdict } from './limit.js';

/** Every ceiling of the host the check knows, in the order `kubelab doctor` lists them. */
export const HOST_LIMITS: readonly HostLimit[] = [inotifyInstances, inotifyWatches, tasks, rootKeys, conntrack, neighbours, memory, disk];

/** Each limit that applies to the lab and can be read on this host, judged. */
export function judgeHost(readings: HostReadings, demand: HostDemand): LimitJudgement[] {
  return HOST_LIMITS.filter((l) => demand.sharesHostKernel || !l.sharedKernelOnly).flatMap((l) => l.judge(readings, demand) ?? []);
}
