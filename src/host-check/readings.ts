import fs from 'node:fs/promises';
import path from 'node:path';
import { ifExists, readBoundedText } from '../input/read.js';
import type { HostReadings } from './limit.js';

/** The sysctls the limits read (limits/), by name. */
export const SYSCTLS = [
  'fs.inotify.max_user_instances',
  'fs.inotify.max_user_watches',
  'kernel.threads-max',
  'kernel.pid_max',
  'kernel.keys.root_maxkeys',
  'net.netfilter.nf_conntrack_max',
  'net.netfilter.nf_conntrack_count',
  'net.ipv4.neigh.default.gc_thresh3',
] as const;

/** /proc files are small; anything larger is not what it should be. */
const PROC_MAX_BYTES = 64 * 1024;

const readProc = (file: string): Promise<string | undefined> => ifExists(readBoundedText(file, PROC_MAX_BYTES)).catch(() => undefined);

/**
 * The host's files as read, before any parsing: what a recording of a host holds
 * (test/fixtures/host-check/), so that the parsing is tested on real files too.
 */
export interface RawHost {
  sysctl: Record<string, string | undefined>;
  loadavg: string | undefined;
  keyUsers: string | undefined;
  arpCache: string | undefined;
  meminfo: string | undefined;
  inotify: HostReadings['inotify'];
  disk: HostReadings['disk'];
}

/** Reads what the host check needs of this host; what cannot be read (another kernel, no permission) stays undefined. */
export async function readHost(storage: string | undefined): Promise<HostReadings> {
  return readingsFrom(await readRawHost(storage));
}

export async function readRawHost(storage: string | undefined): Promise<RawHost> {
  const sysctlEntries = await Promise.all(SYSCTLS.map(async (name) => [name, await readProc(path.join('/proc/sys', ...name.split('.')))] as const));
  const [inotify, loadavg, keyUsers, arpCache, meminfo, disk] = await Promise.all([
    countInotify(0),
    readProc('/proc/loadavg'),
    readProc('/proc/key-users'),
    readProc('/proc/net/stat/arp_cache'),
    readProc('/proc/meminfo'),
    storage === undefined ? undefined : freeDisk(storage),
  ]);
  return { sysctl: Object.fromEntries(sysctlEntries), loadavg, keyUsers, arpCache, meminfo, inotify, disk };
}

export function readingsFrom(raw: RawHost): HostReadings {
  return {
    sysctl: raw.sysctl,
    inotify: raw.inotify,
    tasks: parseLoadavgTasks(raw.loadavg),
    rootKeys: parseRootKeys(raw.keyUsers),
    arpEntries: parseArpEntries(raw.arpCache),
    memAvailableMiB: parseMemAvailableMiB(raw.meminfo),
    disk: raw.disk,
  };
}

/** "0.52 0.58 0.59 2/523 12345": the fourth field's total. */
export function parseLoadavgTasks(text: string | undefined): number | undefined {
  const total = /^\S+ \S+ \S+ \d+\/(\d{1,9}) /.exec(text ?? '')?.[1];
  return total === undefined ? undefined : Number(total);
}

/** "    0:   127 126/126 95/1000000 1759/25000000": uid 0's keys (the fourth field's first number). */
export function parseRootKeys(text: string | undefined): number | undefined {
  const keys = /^\s*0:\s+\d+ \d+\/\d+ (\d{1,9})\/\d+/m.exec(text ?? '')?.[1];
  return keys === undefined ? undefined : Number(keys);
}

/** The table's entry count, in hex, the first field of each CPU's row under the header. */
export function parseArpEntries(text: string | undefined): number | undefined {
  const row = (text ?? '').split('\n')[1]?.trim().split(/\s+/)[0];
  return row !== undefined && /^[0-9a-f]{1,8}$/.test(row) ? parseInt(row, 16) : undefined;
}

export function parseMemAvailableMiB(text: string | undefined): number | undefined {
  const kib = /^MemAvailable:\s+(\d{1,12}) kB$/m.exec(text ?? '')?.[1];
  return kib === undefined ? undefined : Math.floor(Number(kib) / 1024);
}

/** Free space of the file system that holds `dir`, or of its nearest existing parent. */
async function freeDisk(dir: string): Promise<HostReadings['disk']> {
  for (let at = dir; ; at = path.dirname(at)) {
    const stats = await fs.statfs(at).catch(() => undefined);
    if (stats) return { path: dir, freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize };
    if (path.dirname(at) === at) return undefined;
  }
}

/**
 * inotify instances and watches held by the processes of `uid`, counted from /proc: each
 * instance is a file descriptor linked to anon_inode:inotify, each watch a line of its fdinfo.
 * The limits are per user; undefined when another user's descriptors cannot be read.
 */
export async function countInotify(uid: number): Promise<{ instances: number; watches: number } | undefined> {
  const pids = (await fs.readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name));
  const owned = await Promise.all(pids.map(async (pid) => ((await fs.stat(`/proc/${pid}`).catch(() => undefined))?.uid === uid ? pid : undefined)));
  return countInotifyOf(owned.filter((pid): pid is string => pid !== undefined));
}

/** The inotify instances and watches of the given processes; undefined when one's descriptors cannot be read. */
export async function countInotifyOf(pids: readonly string[]): Promise<{ instances: number; watches: number } | undefined> {
  let instances = 0;
  let watches = 0;
  let denied = false;
  await Promise.all(
    pids.map(async (pid) => {
      let fds: string[];
      try {
        fds = await fs.readdir(`/proc/${pid}/fd`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EACCES') denied = true;
        return;
      }
      for (const fd of fds) {
        const target = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
        if (target !== 'anon_inode:inotify') continue;
        instances += 1;
        const info = await readProc(`/proc/${pid}/fdinfo/${fd}`);
        watches += (info ?? '').split('\n').filter((line) => line.startsWith('inotify wd:')).length;
      }
    }),
  );
  return denied ? undefined : { instances, watches };
}
