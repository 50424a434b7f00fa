import { judged, totalCost, type HostLimit, type MachineCost } from '../limit.js';

// A container's memory is not set aside: a docker-provider node takes what its processes use,
// measured with CI's five-node lab at 500 to 830 MiB a node with its kubelet and system pods (less
// just after a restart), 200 without a kubelet; the spec's memory is
// what its kubelet offers to pods. A VM takes the memory it is given.
const SHARED_KERNEL_FOOTPRINT_MIB: MachineCost = { node: 700, bare: 200 };

export const memory: HostLimit = {
  name: 'memory',
  sharedKernelOnly: false,
  judge(readings, demand) {
    const available = readings.memAvailableMiB;
    if (available === undefined) return undefined;
    const needed = demand.sharesHostKernel ? totalCost(demand, SHARED_KERNEL_FOOTPRINT_MIB) : demand.toStart.reduce((sum, n) => sum + n.memoryMiB, 0);
    const vmSizes = demand.toStart.map((n) => n.memoryMiB);
    const perNode = demand.sharesHostKernel ? SHARED_KERNEL_FOOTPRINT_MIB.node : vmSizes.length ? Math.max(...vmSizes) : 0;
    return judged(
      {
        name: 'memory',
        what: demand.sharesHostKernel ? 'available memory (what the nodes use, not the memory the spec gives them)' : "available memory (each VM's memory)",
        unit: 'MiB',
        limit: available,
        used: 0,
        perNode,
        needed,
      },
      () => ({ advice: 'stop other labs or programs, or give the spec fewer or smaller nodes' }),
    );
  },
};
