import fs from 'fs-extra';
import path from 'node:path';
import { hashOf } from '../cache.js';
import { KubelabError } from '../errors.js';
import { readJsonFile } from '../input/json.js';
import { readTail } from '../input/read.js';
import { array, integer, object, optional, pid, string } from '../input/shape.js';
import { LAB_FILES } from '../lab/files.js';
import { quoteLines, startDetached } from '../exec/run.js';
import { pause, processAlive, refOf, stillRunning, type ProcessRef } from '../exec/processes.js';
import type { ServicePlan } from './plans.js';
import type { ServiceName } from './services/index.js';

/**
 * The host services a lab started, as recorded in its state folder: they outlive the kubelab
 * command that started them (the nodes pull from them long after `apply`), so a later command finds
 * them here, and `destroy` stops them without reading the spec.
 */
export interface RunningService extends ProcessRef, Pick<ServicePlan, 'name' | 'title' | 'program' | 'address' | 'port' | 'storage' | 'logFile'> {
  /** Of the configuration it was started with: a different one means a restart. */
  configHash: string;
  startedAt: string;
}

/** What is relied on in running.json: the processes it names are signalled, their addresses asked. */
const RUNNING_FILE = {
  maxBytes: 1024 * 1024,
  shape: object({
    services: array(
      object({
        pid,
        startTicks: optional(integer),
        name: string,
        title: string,
        program: string,
        address: string,
        port: integer,
        storage: string,
        logFile: string,
      }),
    ),
  }),
  hint: "it records the host services this lab started: stop them by hand (`ss -ltnp` names what listens on the lab's ports), then remove the file",
};

export async function readRunning(outDir: string): Promise<RunningService[]> {
  const file = path.join(outDir, LAB_FILES.hostServicesState);
  const state = await readJsonFile(file, RUNNING_FILE);
  return (state?.services ?? []) as RunningService[];
}

async function writeRunning(outDir: string, services: RunningService[]): Promise<void> {
  const file = path.join(outDir, LAB_FILES.hostServicesState);
  await fs.mkdirp(path.dirname(file));
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeJson(tmp, { services }, { spaces: 2 });
  await fs.rename(tmp, file);
}

async function record(outDir: string, name: ServiceName, entry: RunningService | undefined): Promise<void> {
  const others = (await readRunning(outDir)).filter((s) => s.name !== name);
  await writeRunning(outDir, entry ? [...others, entry] : others);
}

/** How long a service may take to answer after its start. */
const START_TIMEOUT_MS = 20_000;

/**
 * Starts the service unless it already runs with the same configuration (then it is left alone, so
 * that nodes pulling from it are not cut off); a changed configuration restarts it.
 */
export async function ensureService(plan: ServicePlan, outDir: string): Promise<'started' | 'running' | 'restarted'> {
  const configHash = hashOf([plan.program, ...plan.args, plan.config.content, JSON.stringify(plan.env)]);
  const current = (await readRunning(outDir)).find((s) => s.name === plan.name);
  let restarted = false;
  if (current && stillRunning(current)) {
    if (current.configHash === configHash && (await answers(plan))) return 'running';
    await stopProcess(current);
    restarted = true;
  }
  // Whatever answers there now is not ours, and would pass for the service about to start.
  if (await answers(plan)) {
    throw new KubelabError(`${plan.title} cannot listen on ${plan.address}:${plan.port}: another program answers there`, {
      hint: `\`ss -ltnp\` names it: stop it, or give the service another port in the spec`,
    });
  }
  await fs.outputFile(plan.config.file, plan.config.content);
  for (const folder of [plan.storage, ...plan.folders]) await fs.mkdirp(folder);
  const pid = await startDetached(plan.program, plan.args, { cwd: outDir, logFile: plan.logFile, env: plan.env });
  if (pid === undefined) throw new KubelabError(`${plan.title} (${plan.program}) did not start`, { hint: `see ${plan.logFile}` });
  await record(outDir, plan.name, {
    ...refOf(pid),
    name: plan.name,
    title: plan.title,
    program: plan.program,
    address: plan.address,
    port: plan.port,
    storage: plan.storage,
    logFile: plan.logFile,
    configHash,
    startedAt: new Date().toISOString(),
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answers(plan))) {
    if (!processAlive(pid) || Date.now() > deadline) {
      const why = processAlive(pid) ? `did not answer on ${plan.address}:${plan.port} within ${START_TIMEOUT_MS / 1000} s` : 'stopped at once';
      if (processAlive(pid)) await stopProcess(refOf(pid));
      await record(outDir, plan.name, undefined);
      const said = whyInLog(await readTail(plan.logFile, 64 * 1024).catch(() => ''));
      throw new KubelabError(`${plan.title} (${plan.program}) ${why}; its log says:\n${quoteLines(said)}`, {
        hint: /address already in use/i.test(said.join('\n'))
          ? `another program listens on ${plan.address}:${plan.port} (\`ss -ltnp\` names it): stop it, or give the service another port in the spec`
          : `the whole log is ${plan.logFile}`,
      });
    }
    await pause(200);
  }
  return restarted ? 'restarted' : 'started';
}

/**
 * The lines of a service's log that say why it stopped: a Go panic or fatal error is followed by a
 * stack trace nobody needs, so those lines win over the log's end.
 */
export function whyInLog(log: string): string[] {
  const lines = log.trim().split('\n');
  const reasons = lines.filter((l) => /^panic: |level=(fatal|error)|\berror\b/i.test(l) && !/^\s|^goroutine /.test(l));
  return (reasons.length > 0 ? reasons : lines).slice(-4);
}

/** Whether the service answers HTTP on its address; any status counts. */
export async function answers(target: { address: string; port: number; healthPath?: string }): Promise<boolean> {
  try {
    await fetch(`http://${target.address}:${target.port}${target.healthPath ?? '/'}`, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

/** Stops the lab's recorded services (all, or those named); returns the titles of those it stopped. */
export async function stopServices(outDir: string, names?: readonly ServiceName[]): Promise<string[]> {
  const stopped: string[] = [];
  for (const service of await readRunning(outDir)) {
    if (names && !names.includes(service.name)) continue;
    if (stillRunning(service)) {
      await stopProcess(service);
      stopped.push(service.title);
    }
    await record(outDir, service.name, undefined);
  }
  return stopped;
}

/** SIGTERM, then SIGKILL after a grace period: both registries and apt-cacher-ng stop cleanly on TERM. */
async function stopProcess(ref: ProcessRef): Promise<void> {
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(ref.pid, s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  for (let i = 0; i < 50 && stillRunning(ref); i++) await pause(100);
  if (stillRunning(ref)) signal('SIGKILL');
  for (let i = 0; i < 20 && stillRunning(ref); i++) await pause(100);
}
