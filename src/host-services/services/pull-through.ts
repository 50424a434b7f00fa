import path from 'node:path';
import { proxyVariables } from '../../proxy-env.js';
import type { HostService } from '../service.js';
import { catalog, distributionLaunch } from './distribution.js';

/** A pull-through cache of a registry upstream (Docker Hub by default), the nodes' second mirror. */
export const pullThrough: HostService<'pull-through', 'pullThrough', { port: number; upstream: string }> = {
  name: 'pull-through',
  key: 'pullThrough',
  title: 'the pull-through cache',
  holds: 'images fetched from the upstream',
  program: 'docker-registry',
  needs: [],
  specAt: ['registry', 'pullThrough'],
  // It stands behind the lab registry in the nodes' mirror list: without the registry, it is off too.
  settings: (spec, { url }) => {
    const { enabled, port, upstream } = spec.registry.pullThrough;
    if (!spec.registry.enabled || !enabled) return undefined;
    url(['registry', 'pullThrough', 'upstream'], upstream);
    return { port, upstream };
  },
  // Each upstream apart (by its host and port): the same repository name on two upstreams is two images.
  store: (cacheRoot, settings) => {
    const all = path.join(cacheRoot, 'registry', 'pull-through');
    return settings === undefined ? all : path.join(all, new URL(settings.upstream).host.replace(/[^A-Za-z0-9.-]/g, '_'));
  },
  launch: (settings, site) =>
    distributionLaunch('pull-through', settings.port, site, settings.upstream, Object.fromEntries(proxyVariables(site.proxy).map((v) => [v.name, v.value]))),
  healthPath: '/v2/',
  // distribution 2.8 asks the upstream at start and stops when it cannot reach it: a host without
  // internet still gets its lab.
  withoutIt: 'the nodes ask Docker Hub directly for images the lab registry lacks',
  receivesImages: false,
  repositories: catalog,
};
