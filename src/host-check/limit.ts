import type { NodeModel } from '../model.js';
import { isKubernetesNode } from '../vocabulary.js';

/**
 * What the host check read of the host, as plain values: the check's arithmetic works on these
 * alone, so a recording of a host (test/fixtures/host-check/) stands in for it in the unit tests.
 * Every value is undefined when it could not be read (another kernel, no permission).
 */
export interface HostReadings {
  /** Sysctls by their /proc/sys path, dots for slashes: `fs.inotify.max_user_instances` → "128". */
  sysctl: Readonly<Record<string, string | undefined>>;
  /** inotify instances and watches held by root's processes (the kubelets run as root), counted in /proc. */
  inotify: { instances: number; watches: number } | undefined;
  /** Tasks (threads) on the host now: /proc/loadavg's fourth field. */
  tasks: number | undefined;
  /** root's keys in the kernel keyring: /proc/key-users, uid 0. */
  rootKeys: number | undefined;
  /** Entries in the host's ARP (neighbour) table: /proc/net/stat/arp_cache. */
  arpEntries: number | undefined;
  /** /proc/meminfo's MemAvailable. */
  memAvailableMiB: number | undefined;
  /** The file system the machines' disks are on. */
  disk: { path: string; freeBytes: number; totalBytes: number } | undefined;
}

/** What the lab asks of the host: the nodes whose machines are not running yet. */
export interface HostDemand {
  /** The machines share the host's kernel (the docker provider): its limits are theirs. */
  sharesHostKernel: boolean;
  /** Nodes whose machines this apply would start. */
  toStart: readonly NodeModel[];
  /** Kubernetes is installed on them (not `apply --machines-only`): each runs a kubelet and its pods. */
  kubernetes: boolean;
}

export type Verdict = 'ok' | 'close' | 'short';

/** How to lift a limit: a sysctl, now and after a reboot; or what to do when no setting lifts it. */
export type Remedy = { sysctl: string; value: number } | { advice: string };

/** One limit judged against the lab. */
export interface LimitJudgement {
  /** The limit's name, as `kubelab doctor` lists it: inotify-instances, memory, … */
  name: string;
  what: string;
  unit: string;
  /** The host's limit now. */
  limit: number;
  /** Used now; undefined when it could not be counted (then judged as if nothing were used). */
  used: number | undefined;
  /** What one Kubernetes node of this lab takes, measured on a lab (see each limit's file). */
  perNode: number;
  /** What the nodes to start take together. */
  needed: number;
  /** How many more Kubernetes nodes the host has room for now. */
  room: number;
  verdict: Verdict;
  /** Present when the verdict is not ok. */
  remedy?: Remedy;
}

/**
 * One ceiling of the host that a lab can run into, self-described: adding one is a file in
 * limits/ and a line in index.ts.
 */
export interface HostLimit {
  name: string;
  /** Judged for labs whose machines share the host's kernel only (inotify, threads, …), or for every lab (memory, disk). */
  sharedKernelOnly: boolean;
  /** undefined when the host does not let it be read. */
  judge(readings: HostReadings, demand: HostDemand): LimitJudgement | undefined;
}

/** Close: the lab would leave less than this share of the headroom it found. */
const CLOSE_SHARE = 0.2;

/** The verdict and room for a limit with `limit`, `used` and a need of `perNode` per node. */
export function judged(
  base: Pick<LimitJudgement, 'name' | 'what' | 'unit' | 'limit' | 'used' | 'perNode'> & { needed: number },
  remedy: (needed: number) => Remedy,
): LimitJudgement {
  const headroom = Math.max(0, base.limit - (base.used ?? 0));
  const room = base.perNode > 0 ? Math.floor(headroom / base.perNode) : Number.POSITIVE_INFINITY;
  const verdict: Verdict = base.needed > headroom ? 'short' : headroom - base.needed < headroom * CLOSE_SHARE ? 'close' : 'ok';
  const judgement: LimitJudgement = { ...base, room, verdict };
  if (verdict !== 'ok') judgement.remedy = remedy(base.needed);
  return judgement;
}

/** A value with room to spare: twice what is needed on top of what is used, rounded up to a power of two. */
export function generous(used: number, needed: number, atLeast: number): number {
  const wanted = Math.max(atLeast, used + 2 * needed);
  return 2 ** Math.ceil(Math.log2(wanted));
}

/**
 * What one machine costs: a Kubernetes node (its kubelet, Docker, RKE's containers and its share
 * of the pods), or a bare machine: the lab's API endpoint (haproxy), or any machine of `apply
 * --machines-only`.
 */
export interface MachineCost {
  node: number;
  bare: number;
}

/** What the machines to start cost together. */
export function totalCost(demand: HostDemand, cost: MachineCost): number {
  return demand.toStart.reduce((sum, m) => sum + (demand.kubernetes && isKubernetesNode(m.roles) ? cost.node : cost.bare), 0);
}

/** A sysctl as a whole number; undefined when it is missing or not one. */
export function sysctlNumber(readings: HostReadings, name: string): number | undefined {
  const text = readings.sysctl[name]?.trim().split(/\s+/).pop();
  if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/**
 * A limit set by one sysctl, of which each node of a shared-kernel lab takes `perNode`: the
 * common shape of the kernel's limits.
 */
export function sysctlLimit(spec: {
  name: string;
  what: string;
  unit: string;
  sysctl: string;
  cost: MachineCost;
  used: (readings: HostReadings) => number | undefined;
  /** The least the remedy proposes (kind's documented values, where it has them). */
  recommended: number;
}): HostLimit {
  return {
    name: spec.name,
    sharedKernelOnly: true,
    judge(readings, demand) {
      const limit = sysctlNumber(readings, spec.sysctl);
      if (limit === undefined) return undefined;
      const used = spec.used(readings);
      const needed = totalCost(demand, spec.cost);
      return judged({ name: spec.name, what: spec.what, unit: spec.unit, limit, used, perNode: spec.cost.node, needed }, (n) => ({
        sysctl: spec.sysctl,
        value: generous(used ?? 0, n, spec.recommended),
      }));
    },
  };
}
