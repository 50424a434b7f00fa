import { generous, judged, sysctlNumber, totalCost, type HostLimit, type MachineCost } from '../limit.js';

// Measured with CI's five-node lab: 160 to 235 tasks (threads) a node with its kubelet, Docker and
// pods; 56 to 75 without the kubelet.
const COST: MachineCost = { node: 250, bare: 80 };

/** Threads and PIDs come from the same pool: the lower of kernel.threads-max and kernel.pid_max. */
export const tasks: HostLimit = {
  name: 'tasks',
  sharedKernelOnly: true,
  judge(readings, demand) {
    const threadsMax = sysctlNumber(readings, 'kernel.threads-max');
    const pidMax = sysctlNumber(readings, 'kernel.pid_max');
    const candidates = [
      ...(threadsMax === undefined ? [] : [{ sysctl: 'kernel.threads-max', limit: threadsMax }]),
      ...(pidMax === undefined ? [] : [{ sysctl: 'kernel.pid_max', limit: pidMax }]),
    ];
    const lowest = candidates.sort((a, b) => a.limit - b.limit)[0];
    if (lowest === undefined) return undefined;
    const used = readings.tasks;
    return judged(
      {
        name: 'tasks',
        what: `threads and processes on the host (${lowest.sysctl})`,
        unit: 'tasks',
        limit: lowest.limit,
        used,
        perNode: COST.node,
        needed: totalCost(demand, COST),
      },
      (needed) => ({ sysctl: lowest.sysctl, value: generous(used ?? 0, needed, 65536) }),
    );
  },
};
