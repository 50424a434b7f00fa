import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { KIT_COMPONENTS } from './components.js';

/**
 * Sources the Go module proxy refuses. Each is read from a sources folder, as a `git archive`
 * tarball `NAME.tar.gz` or as a clone in the folder `NAME`, where NAME is the key below.
 */
export interface ThirdPartySource {
  /** File or folder name in the sources folder, without `.tar.gz`. */
  name: string;
  repository: string;
  tag: string;
}

export const THIRD_PARTY_SOURCES = {
  criDockerd: { name: `cri-dockerd-${KIT_COMPONENTS.criDockerd}`, repository: 'github.com/Mirantis/cri-dockerd', tag: KIT_COMPONENTS.criDockerd },
  rkeTools: { name: `rke-tools-${KIT_COMPONENTS.rkeTools}`, repository: 'github.com/rancher/rke-tools', tag: KIT_COMPONENTS.rkeTools },
  flannelCniPlugin: {
    name: `flannel-cni-plugin-${KIT_COMPONENTS.flannelCni}`,
    repository: 'github.com/flannel-io/cni-plugin',
    tag: KIT_COMPONENTS.flannelCni,
  },
  rancherFlannelCni: { name: 'rancher-flannel-cni-v1.4.1-rancher1', repository: 'github.com/rancher/flannel-cni', tag: 'v1.4.1-rancher1' },
  autoscaler: {
    name: `cluster-proportional-autoscaler-${KIT_COMPONENTS.autoscaler}`,
    repository: 'github.com/kubernetes-sigs/cluster-proportional-autoscaler',
    tag: KIT_COMPONENTS.autoscaler,
  },
  metricsServer: {
    name: `metrics-server-${KIT_COMPONENTS.metricsServer}`,
    repository: 'github.com/kubernetes-sigs/metrics-server',
    tag: KIT_COMPONENTS.metricsServer,
  },
  iptablesWrappers: {
    name: `iptables-wrappers-${KIT_COMPONENTS.iptablesWrappers}`,
    repository: 'github.com/kubernetes-sigs/iptables-wrappers',
    tag: KIT_COMPONENTS.iptablesWrappers,
  },
} as const satisfies Record<string, ThirdPartySource>;

export type SourceId = keyof typeof THIRD_PARTY_SOURCES;

/** Where one source was found: a tarball to unpack or a folder to read as it is. */
export interface LocatedSource {
  source: ThirdPartySource;
  kind: 'tarball' | 'folder';
  path: string;
}

export class MissingSourcesError extends KubelabError {
  constructor(
    readonly dir: string,
    readonly missing: ThirdPartySource[],
  ) {
    super(
      `the kit needs ${missing.length} source tree${missing.length === 1 ? '' : 's'} that the Go module proxy does not serve, and ${dir} lacks ${missing.length === 1 ? 'it' : 'them'}:\n` +
        missing.map((s) => `  ${s.name}: ${s.repository} at ${s.tag}`).join('\n'),
      {
        hint:
          'clone each into the sources folder (or pass --sources with a folder that has them):\n' +
          missing.map((s) => `  git clone --depth 1 --branch ${s.tag} https://${s.repository} ${path.join(dir, s.name)}`).join('\n'),
        exitCode: EXIT.prerequisite,
      },
    );
  }
}

/** Finds every third-party source in `dir`, or names all that are missing at once. */
export async function locateSources(dir: string): Promise<Record<SourceId, LocatedSource>> {
  const found: Partial<Record<SourceId, LocatedSource>> = {};
  const missing: ThirdPartySource[] = [];
  for (const [id, source] of Object.entries(THIRD_PARTY_SOURCES) as [SourceId, ThirdPartySource][]) {
    const tarball = path.join(dir, `${source.name}.tar.gz`);
    const folder = path.join(dir, source.name);
    if (await isFile(tarball)) found[id] = { source, kind: 'tarball', path: tarball };
    else if (await isDirectory(folder)) found[id] = { source, kind: 'folder', path: folder };
    else missing.push(source);
  }
  if (missing.length > 0) throw new MissingSourcesError(dir, missing);
  return found as Record<SourceId, LocatedSource>;
}

async function isFile(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isFile() ?? false;
}

async function isDirectory(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}
