import path from 'node:path';
import type { HostService } from '../service.js';
import { catalog, distributionLaunch } from './distribution.js';

/** The lab registry: the images folder's archives, pushed once, for each node to pull what it runs. */
export const registry: HostService<'registry', 'registry', { port: number }> = {
  name: 'registry',
  key: 'registry',
  title: 'the lab registry',
  holds: 'images pushed from the images folder',
  program: 'docker-registry',
  // Pushes go through skopeo, so that no Docker daemon and no daemon setting of the host is involved.
  needs: ['skopeo'],
  specAt: ['registry'],
  settings: (spec) => (spec.registry.enabled ? { port: spec.registry.port } : undefined),
  store: (cacheRoot) => path.join(cacheRoot, 'registry', 'local'),
  // It fetches nothing, so it gets no proxy.
  launch: (settings, site) => distributionLaunch('registry', settings.port, site, undefined, {}),
  healthPath: '/v2/',
  receivesImages: true,
  repositories: catalog,
};
