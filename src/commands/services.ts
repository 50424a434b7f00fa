import path from 'node:path';
import { stopServices } from '../host-services/daemon.js';
import { checkHostServicePrerequisites, hostServicesStatus, hostServicesUp, type HostServicesUp, type ServiceStatus } from '../host-services/lab-services.js';
import { pruneStores } from '../host-services/prune.js';
import { SERVICE_NAMES, type ServiceName } from '../host-services/services/index.js';
import { openLab } from './lab.js';
import { compileSpec } from '../spec/index.js';

/**
 * `kubelab services …`: the lab's services on the host by hand. `apply` starts them itself and
 * `destroy` stops them; these serve a lab whose machines run (after a host reboot, say) and the
 * shared stores.
 */
export async function servicesUp(options: { spec: string; out: string; log: (line: string) => void; signal: AbortSignal }): Promise<HostServicesUp> {
  return openLab({ spec: options.spec, out: options.out, changes: 'services up', note: options.log, signal: options.signal }, async ({ model, outDir }) => {
    await checkHostServicePrerequisites(model, outDir);
    return hostServicesUp(model, outDir, { log: options.log, signal: options.signal });
  });
}

export async function servicesDown(options: { out: string }): Promise<string[]> {
  return stopServices(path.resolve(options.out));
}

export async function servicesStatus(options: { spec: string; out: string }): Promise<ServiceStatus[]> {
  const outDir = path.resolve(options.out);
  // Without a valid spec, what the lab's folder records still tells what runs.
  const model = await compileSpec(options.spec, options.out).then(
    (c) => c.model,
    () => undefined,
  );
  return hostServicesStatus(model, outDir);
}

/** Empties the named stores, all of them without names. */
export async function servicesPrune(options: { out: string; stores: readonly ServiceName[] | undefined }): ReturnType<typeof pruneStores> {
  return pruneStores(options.stores ?? SERVICE_NAMES, path.resolve(options.out));
}
