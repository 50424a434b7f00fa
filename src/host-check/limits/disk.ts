import { judged, totalCost, type HostLimit, type MachineCost } from '../limit.js';

const GIB = 1024 ** 3;
// Measured with CI's five-node lab: a docker-provider node's writable layer (0.6 to 0.75 GB) and its
// Docker's volume with the kit's images (1.2 to 1.55 GB) take up to 2.3 GB; a machine without a
// kubelet, its layer. A VM's copy-on-write disk is not measured yet: 4 GiB is an estimate (the
// box's system, Docker and the same images).
const PER_MACHINE_BYTES: Record<'sharedKernel' | 'vm', MachineCost> = {
  sharedKernel: { node: 2.5 * GIB, bare: 0.7 * GIB },
  vm: { node: 4 * GIB, bare: 1 * GIB },
};

/** The disk the machines live on: Docker's data for the docker provider, the storage pool for VMs. */
export const disk: HostLimit = {
  name: 'disk',
  sharedKernelOnly: false,
  judge(readings, demand) {
    if (readings.disk === undefined) return undefined;
    const cost = demand.sharesHostKernel ? PER_MACHINE_BYTES.sharedKernel : PER_MACHINE_BYTES.vm;
    const toGiB = (bytes: number): number => Math.round((bytes / GIB) * 10) / 10;
    return judged(
      {
        name: 'disk',
        what: `free disk at ${readings.disk.path}`,
        unit: 'GiB',
        limit: toGiB(readings.disk.freeBytes),
        used: 0,
        perNode: toGiB(cost.node),
        needed: toGiB(totalCost(demand, cost)),
      },
      () => ({ advice: `free space on the file system of ${readings.disk?.path ?? 'the machines'} (docker system prune removes unused images)` }),
    );
  },
};
