import path from 'node:path';
import type { HostService } from '../service.js';

/** apt-cacher-ng for the nodes' apt: N nodes download each package once. */
export const packageCache: HostService<'package-cache', 'packageCache', { port: number }> = {
  name: 'package-cache',
  key: 'packageCache',
  title: 'the package cache',
  holds: "packages the nodes' apt fetched",
  program: 'apt-cacher-ng',
  needs: [],
  specAt: ['packageCache'],
  // On by default where provisioning installs packages: the docker provider's image has them all.
  settings: (spec, { provider }) => ((spec.packageCache.enabled ?? provider.installsPackages) ? { port: spec.packageCache.port } : undefined),
  store: (cacheRoot) => path.join(cacheRoot, 'apt-cacher-ng'),
  launch: (settings, site) => {
    const runDir = path.join(site.configDir, 'package-cache');
    const logDir = path.join(site.logDir, 'package-cache');
    return {
      args: ['-c', runDir],
      env: {},
      config: {
        file: path.join(runDir, 'acng.conf'),
        content: aptCacherNgConfig({ address: site.address, port: settings.port, storage: site.storage, logDir, runDir, upstreamProxy: site.proxy?.http }),
      },
      folders: [logDir],
    };
  },
  // apt-cacher-ng answers its own usage page on /, with a 406 to a browser-less client: any answer is up.
  healthPath: '/',
  receivesImages: false,
};

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
