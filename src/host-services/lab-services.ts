import path from 'node:path';
import { KubelabError, PrerequisiteError } from '../errors.js';
import type { LabModel } from '../model.js';
import { capture, TIMEOUTS } from '../exec/run.js';
import { howToInstall } from '../exec/install-hints.js';
import { stillRunning } from '../exec/processes.js';
import { waitForHostAddress } from './address.js';
import { answers, ensureService, readRunning, stopServices } from './daemon.js';
import { servicePlans } from './plans.js';
import { serviceNamed, type AnyHostService, type ServiceName } from './services/index.js';
import { archivesIn, pushArchives, type PushResult } from './push.js';
import { diskUsage, storeDir } from './storage.js';

/** The programs the lab's host services need, checked before any machine starts. */
export async function checkHostServicePrerequisites(model: LabModel, outDir: string): Promise<void> {
  const services = servicePlans(model, outDir).map((plan) => serviceNamed(plan.name));
  const programsOf = (service: AnyHostService): string[] => [service.program, ...service.needs];
  const missing: { name: string; howToGet: string }[] = [];
  for (const program of new Set(services.flatMap(programsOf))) {
    if ((await capture('which', [program], { timeoutMs: TIMEOUTS.probe })).ok) continue;
    missing.push({ name: program, howToGet: howToInstall(program) });
  }
  if (missing.length === 0) return;
  const lacking = services.filter((s) => programsOf(s).some((program) => missing.some((m) => m.name === program)));
  const where = lacking.map((s) => `\`${s.specAt.join('.')}\``).join(', ');
  throw new PrerequisiteError(missing, `the spec asks for ${lacking.map((s) => s.title).join(', ')} on the host (${where})`);
}

export interface HostServicesUp {
  services: { name: ServiceName; title: string; listen: string; outcome: 'started' | 'running' | 'restarted' }[];
  /** Services the lab does without, because they could not start. */
  unavailable: { name: ServiceName; title: string; why: string }[];
  /** Undefined without a lab registry. */
  push: PushResult | undefined;
}

/**
 * Starts what the lab runs on the host, once the host has its address on the lab's network, then
 * pushes the images folder's archives to the lab registry. `machinesDone` tells when waiting for
 * the address is pointless: during `apply` the machines' provider creates the network.
 */
export async function hostServicesUp(
  model: LabModel,
  outDir: string,
  options: { log: (line: string) => void; warn?: (line: string) => void; signal: AbortSignal; machinesDone?: () => boolean },
): Promise<HostServicesUp> {
  const plans = servicePlans(model, outDir);
  const warn = options.warn ?? options.log;
  const result: HostServicesUp = { services: [], unavailable: [], push: undefined };
  const dropped = (await readRunning(outDir)).map((s) => s.name).filter((name) => !plans.some((p) => p.name === name));
  for (const title of await stopServices(outDir, dropped)) options.log(`stopped ${title}: the spec no longer asks for it`);
  if (plans.length === 0) return result;
  await waitForHostAddress(model.hostServices.address, model.network.cidr, { done: options.machinesDone ?? (() => true), signal: options.signal });
  for (const plan of plans) {
    const listen = `${plan.address}:${plan.port}`;
    let outcome: 'started' | 'running' | 'restarted';
    try {
      outcome = await ensureService(plan, outDir);
    } catch (error) {
      if (plan.withoutIt === undefined || !(error instanceof KubelabError)) throw error;
      warn(`warning: ${error.message}\nthe lab goes on without ${plan.title}: ${plan.withoutIt}`);
      result.unavailable.push({ name: plan.name, title: plan.title, why: error.message });
      continue;
    }
    if (outcome !== 'running') options.log(`${outcome} ${plan.title} on ${listen} (storage ${plan.storage})`);
    result.services.push({ name: plan.name, title: plan.title, listen, outcome });
  }
  const images = plans.find((p) => serviceNamed(p.name).receivesImages && result.services.some((s) => s.name === p.name));
  if (images) {
    const archives = await archivesIn(path.resolve(outDir, model.images.hostDir));
    result.push = await pushArchives(archives, `${images.address}:${images.port}`, { log: options.log, signal: options.signal });
    for (const skipped of result.push.skipped) warn(`warning: ${skipped.ref} is not in the lab registry: ${skipped.why}`);
  }
  return result;
}

export interface ServiceStatus {
  name: ServiceName;
  title: string;
  /** running: its process lives and answers; stopped: not started, or gone. */
  state: 'running' | 'not answering' | 'stopped';
  listen: string | undefined;
  pid: number | undefined;
  storage: string;
  storageBytes: number;
  logFile: string | undefined;
  /** The registry's repositories (its catalog), when it is a registry that runs. */
  repositories: string[] | undefined;
}

/**
 * What runs for the lab, and what it keeps: the services the spec asks for and any this lab's
 * folder records (a spec edited since may have dropped one that still runs).
 */
export async function hostServicesStatus(model: LabModel | undefined, outDir: string): Promise<ServiceStatus[]> {
  const running = await readRunning(outDir);
  const planned = model ? servicePlans(model, outDir) : [];
  const names = [...new Set([...planned.map((p) => p.name), ...running.map((r) => r.name)])];
  return Promise.all(
    names.map(async (name) => {
      const plan = planned.find((p) => p.name === name);
      const recorded = running.find((r) => r.name === name);
      const live = recorded !== undefined && stillRunning(recorded);
      const serving = live && (await answers(recorded));
      const storage = recorded?.storage ?? plan?.storage ?? storeDir(name);
      return {
        name,
        title: recorded?.title ?? plan?.title ?? name,
        state: !live ? 'stopped' : serving ? 'running' : 'not answering',
        listen: recorded ? `${recorded.address}:${recorded.port}` : plan && `${plan.address}:${plan.port}`,
        pid: live ? recorded.pid : undefined,
        storage,
        storageBytes: await diskUsage(storage),
        logFile: recorded?.logFile ?? plan?.logFile,
        repositories: serving ? await serviceNamed(name)?.repositories?.(recorded) : undefined,
      } satisfies ServiceStatus;
    }),
  );
}
