import path from 'node:path';
import { cacheDir } from '../cache.js';
import { LAB_FILES } from '../lab/files.js';
import type { LabModel } from '../model.js';
import type { Launch } from './service.js';
import { servicesOn, type ServiceName } from './services/index.js';

/**
 * One program kubelab runs on the host for a lab: what to start, with which configuration, where
 * it listens and where it keeps what it caches. Decided here, from each service's descriptor
 * (./services/); started by daemon.ts.
 */
export interface ServicePlan extends Launch {
  name: ServiceName;
  /** As a person calls it, in messages. */
  title: string;
  program: string;
  address: string;
  port: number;
  /** Survives `destroy`: the next lab on this host starts warm. */
  storage: string;
  /** Where it logs, inside the lab's log folder. */
  logFile: string;
  /** An HTTP path that answers once the service serves. */
  healthPath: string;
  /** Set when the lab works without it: what the nodes do instead, said when it cannot start. */
  withoutIt?: string;
}

/** The lab's services on the host, in the order they start; empty when the spec turns them all off. */
export function servicePlans(model: LabModel, outDir: string, env: NodeJS.ProcessEnv = process.env): ServicePlan[] {
  const { address } = model.hostServices;
  const configDir = path.join(outDir, LAB_FILES.hostServicesDir);
  const logDir = path.join(outDir, LAB_FILES.logsDir);
  return servicesOn(model.hostServices).map(({ service, settings }) => {
    const storage = service.store(cacheDir(env), settings);
    return {
      name: service.name,
      title: service.title,
      program: service.program,
      ...service.launch(settings, { address, storage, configDir, logDir, proxy: model.proxy }),
      address,
      port: settings.port,
      storage,
      logFile: path.join(logDir, `${service.name}.log`),
      healthPath: service.healthPath,
      ...(service.withoutIt === undefined ? {} : { withoutIt: service.withoutIt }),
    };
  });
}
