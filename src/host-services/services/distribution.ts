import path from 'node:path';
import { stringify } from 'yaml';
import type { Launch, ServiceSite } from '../service.js';

/**
 * CNCF distribution 2.8 (Debian's docker-registry), which the lab registry and the pull-through cache
 * both run, each from a configuration file of its own in the lab's folder.
 */
export function distributionLaunch(name: string, port: number, site: ServiceSite, upstream: string | undefined, env: Record<string, string>): Launch {
  const file = path.join(site.configDir, `${name}.yml`);
  return { args: ['serve', file], env, config: { file, content: registryConfig(`${site.address}:${port}`, site.storage, upstream) }, folders: [] };
}

/**
 * distribution's configuration: one listener on the lab's address, storage outside the lab, deletes
 * allowed so that `services prune` and garbage collection can free space. With `upstream`, a
 * pull-through cache: it refuses pushes and keeps what it fetched.
 */
export function registryConfig(addr: string, storage: string, upstream: string | undefined): string {
  const config = {
    version: 0.1,
    log: { level: 'info', formatter: 'text', accesslog: { disabled: false } },
    storage: { filesystem: { rootdirectory: storage }, delete: { enabled: true }, cache: { blobdescriptor: 'inmemory' } },
    http: { addr, headers: { 'X-Content-Type-Options': ['nosniff'] } },
    ...(upstream === undefined ? {} : { proxy: { remoteurl: upstream } }),
  };
  return `# Written by kubelab for this lab; rewritten at each start.\n${stringify(config)}`;
}

/** The registry's repositories, from its catalog; undefined when it does not answer. */
export async function catalog(listen: { address: string; port: number }): Promise<string[] | undefined> {
  try {
    const response = await fetch(`http://${listen.address}:${listen.port}/v2/_catalog?n=1000`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { repositories?: unknown };
    return Array.isArray(body.repositories) ? body.repositories.filter((r): r is string => typeof r === 'string') : undefined;
  } catch {
    return undefined;
  }
}
