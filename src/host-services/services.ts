import path from 'node:path';
import { stringify } from 'yaml';
import { LAB_FILES } from '../lab/files.js';
import type { LabModel } from '../model.js';
import { proxyVariables } from '../proxy-env.js';
import { storeDir, type ServiceName } from './storage.js';

/**
 * One program kubelab runs on the host for a lab: what to start, with which configuration, where
 * it listens and where it keeps what it caches. Decided here; started by daemon.ts.
 */
export interface ServicePlan {
  name: ServiceName;
  /** As a person calls it, in messages. */
  title: string;
  program: string;
  args: string[];
  /** Added to kubelab's environment: the spec's proxy, for services that fetch from outside. */
  env: Record<string, string>;
  /** Written before the start; a changed file restarts a running service. */
  config: { file: string; content: string };
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
  const { address, registry, pullThrough, packageCache } = model.hostServices;
  const configDir = path.join(outDir, LAB_FILES.hostServicesDir);
  const logDir = path.join(outDir, LAB_FILES.logsDir);
  const plans: ServicePlan[] = [];
  if (registry) {
    const storage = storeDir('registry', env);
    plans.push({
      name: 'registry',
      title: 'the lab registry',
      program: 'docker-registry',
      args: ['serve', path.join(configDir, 'registry.yml')],
      env: {},
      config: { file: path.join(configDir, 'registry.yml'), content: registryConfig(`${address}:${registry.port}`, storage, undefined) },
      address,
      port: registry.port,
      storage,
      logFile: path.join(logDir, 'registry.log'),
      healthPath: '/v2/',
    });
  }
  if (pullThrough) {
    const storage = storeDir('pull-through', env, pullThrough.upstream);
    plans.push({
      name: 'pull-through',
      title: 'the pull-through cache',
      program: 'docker-registry',
      args: ['serve', path.join(configDir, 'pull-through.yml')],
      env: Object.fromEntries(proxyVariables(model.proxy).map((v) => [v.name, v.value])),
      config: {
        file: path.join(configDir, 'pull-through.yml'),
        content: registryConfig(`${address}:${pullThrough.port}`, storage, pullThrough.upstream),
      },
      address,
      port: pullThrough.port,
      storage,
      logFile: path.join(logDir, 'pull-through.log'),
      healthPath: '/v2/',
      // distribution 2.8 asks the upstream at start and stops when it cannot reach it: a host
      // without internet still gets its lab.
      withoutIt: 'the nodes ask Docker Hub directly for images the lab registry lacks',
    });
  }
  if (packageCache) {
    const storage = storeDir('package-cache', env);
    const dir = path.join(configDir, 'package-cache');
    plans.push({
      name: 'package-cache',
      title: 'the package cache',
      program: 'apt-cacher-ng',
      args: ['-c', dir],
      env: {},
      config: {
        file: path.join(dir, 'acng.conf'),
        content: aptCacherNgConfig({
          address,
          port: packageCache.port,
          storage,
          logDir: path.join(logDir, 'package-cache'),
          runDir: dir,
          upstreamProxy: model.proxy?.http,
        }),
      },
      address,
      port: packageCache.port,
      storage,
      logFile: path.join(logDir, 'package-cache.log'),
      // apt-cacher-ng answers its own usage page on /, with a 406 to a browser-less client: any answer is up.
      healthPath: '/',
    });
  }
  return plans;
}

/**
 * CNCF distribution 2.8's configuration: one listener on the lab's address, storage outside the
 * lab, deletes allowed so that `services prune` and garbage collection can free space. With
 * `upstream`, a pull-through cache: it refuses pushes and keeps what it fetched.
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

interface AptCacherNgSettings {
  address: string;
  port: number;
  storage: string;
  logDir: string;
  /** Its pid file and admin socket, per lab. */
  runDir: string;
  upstreamProxy: string | undefined;
}

/**
 * apt-cacher-ng's acng.conf. No remapping to Debian's mirror list (it picks mirrors a network may
 * not reach): each repository is cached under its own host name. No report page: nobody on the lab
 * network gets its admin functions. It serves only package files, so it is no open relay.
 */
export function aptCacherNgConfig(s: AptCacherNgSettings): string {
  const settings: [string, string | number][] = [
    ['CacheDir', s.storage],
    ['LogDir', s.logDir],
    ['SupportDir', '/usr/lib/apt-cacher-ng'],
    ['Port', s.port],
    ['BindAddress', s.address],
    ['PidFile', path.join(s.runDir, 'pid')],
    ['SocketPath', path.join(s.runDir, 'socket')],
    ['ForeGround', 1],
    ['ExThreshold', 4],
    ...(s.upstreamProxy === undefined ? [] : ([['Proxy', s.upstreamProxy]] as [string, string][])),
  ];
  return ['# Written by kubelab for this lab; rewritten at each start.', ...settings.map(([k, v]) => `${k}: ${v}`), ''].join('\n');
}
