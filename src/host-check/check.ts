import fs from 'node:fs/promises';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { LabModel } from '../model.js';
import { DRIVERS } from '../providers/drivers.js';
import { PROVIDERS } from '../providers/index.js';
import { judgeHost, type LimitJudgement, type Remedy } from './index.js';
import { readHost } from './readings.js';

/** The host judged against a lab: each limit, and the nodes it counted as still to start. */
export interface HostCheck {
  lab: string;
  provider: string;
  /** Nodes whose machines are not running: what an apply would start. */
  toStart: string[];
  limits: LimitJudgement[];
}

/** Where a remedy's sysctl is kept across reboots. */
export const SYSCTL_FILE = '/etc/sysctl.d/90-kubelab.conf';

/**
 * Judges the host against the lab's nodes that are not running (`running`: the names of those that
 * are), with Kubernetes on them or (`kubernetes` false) the machines alone.
 */
export async function checkHost(model: LabModel, running: ReadonlySet<string>, kubernetes: boolean): Promise<HostCheck> {
  const toStart = model.nodes.filter((n) => !running.has(n.name));
  const readings = await readHost(await DRIVERS[model.provider.type].machineStorage(model));
  const limits = judgeHost(readings, { sharesHostKernel: PROVIDERS[model.provider.type].sharesHostKernel, toStart, kubernetes });
  return { lab: model.name, provider: model.provider.type, toStart: toStart.map((n) => n.name), limits };
}

/** The remedy as commands a person runs (or advice). */
export function remedyLines(remedy: Remedy): string[] {
  if ('advice' in remedy) return [remedy.advice];
  return [
    `raise it now:          sudo sysctl -w ${remedy.sysctl}=${remedy.value}`,
    `and after each reboot: echo '${remedy.sysctl} = ${remedy.value}' | sudo tee -a ${SYSCTL_FILE}`,
  ];
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One limit in a sentence: what the machines to start need of it, and what the host has. */
export function describeJudgement(j: LimitJudgement, machines: number): string {
  const used = j.used === undefined ? 'what is in use could not be counted' : `${j.used} in use`;
  const room = Number.isFinite(j.room) ? `room for ${plural(j.room, 'node')}` : 'no limit per node';
  return `${j.name}: ${plural(machines, 'machine')} need about ${j.needed} ${j.unit} (${j.perNode} per Kubernetes node); the limit is ${j.limit}, ${used}: ${room} — ${j.what}`;
}

/** The host cannot hold the lab: nothing was started. */
export class HostLimitError extends KubelabError {
  constructor(check: HostCheck) {
    const short = check.limits.filter((l) => l.verdict === 'short');
    const lines = short.flatMap((l) => [describeJudgement(l, check.toStart.length), ...(l.remedy ? remedyLines(l.remedy).map((r) => `  ${r}`) : [])]);
    super(`this host cannot hold lab ${check.lab}'s ${plural(check.toStart.length, 'new machine')}; nothing was started:\n  ${lines.join('\n  ')}`, {
      exitCode: EXIT.hostLimit,
      hint: '`kubelab doctor` shows every limit; `kubelab doctor --fix` raises the sysctls for now; --ignore-host-limits starts the lab anyway',
    });
  }
}

/** Writes each short or close sysctl's proposed value (for now only: the remedy says how to keep it); returns what it set. */
export async function raiseSysctls(check: HostCheck): Promise<string[]> {
  const set: string[] = [];
  for (const limit of check.limits) {
    const remedy = limit.remedy;
    if (remedy === undefined || 'advice' in remedy) continue;
    const file = path.join('/proc/sys', ...remedy.sysctl.split('.'));
    try {
      await fs.writeFile(file, `${remedy.value}\n`);
    } catch (error) {
      throw new KubelabError(`cannot set ${remedy.sysctl}: ${(error as Error).message}`, {
        hint: 'run `kubelab doctor --fix` as root, or the sysctl command it prints',
      });
    }
    set.push(`${remedy.sysctl}=${remedy.value}`);
  }
  return set;
}
