import path from 'node:path';
import type { SpecProblem } from '../errors.js';
import { kitTarballName } from '../kit/components.js';
import { ROLE_ORDER, type ApiEndpointModel, type HostServicesModel, type LabModel, type NodeModel, type ProxyModel } from '../model.js';
import { formatIp, netmask, parseCidr, parseIp, contains, type Cidr } from '../net.js';
import { CNI, defaultCniPlugin } from '../cni.js';
import { API_ENDPOINT_HOST, CLUSTER_CIDR, FIRST_NODE_HOST, SERVICE_CIDR } from '../lab-network.js';
import { API_PORT, AUTO_ENDPOINT_NODE, ENDPOINT_CHECK } from '../cluster/endpoint.js';
import { PROVIDERS } from '../providers/index.js';
import { ETCD_DISK } from '../etcd-disk.js';
import type { SpecReading } from '../host-services/service.js';
import { serviceSettings } from '../host-services/services/index.js';
import { parseMemoryMiB } from '../units.js';
import { problemAt, type YamlSource, type SourcePath } from '../input/source.js';
import { unshareableReason } from './shared-folder.js';
import type { CniPlugin, SpecDocument, SystemImages } from './types.js';

export interface NormalizeContext {
  source: YamlSource;
  /** Absolute path of the spec file. */
  specFile: string;
  /** Absolute path of the output folder. */
  outDir: string;
}

const GUEST_IMAGES_DIR = '/kubelab/images';
const SSH_KEY = '.kubelab/ssh/id_ed25519';
const SSH_PORT = 22;

/** Resolves every default and derived value; reports what makes a model impossible to build. */
/** The model is complete even when problems were found, so that later checks can still run on it. */
export function normalize(spec: SpecDocument, ctx: NormalizeContext): { model: LabModel; problems: SpecProblem[] } {
  const problems: SpecProblem[] = [];
  const problem = (at: SourcePath, message: string, hint?: string): void => {
    problems.push(problemAt(ctx.source, 'error', at, message, hint));
  };

  const cidrResult = parseCidr(spec.network.cidr);
  if (!cidrResult.ok) problem(['network', 'cidr'], `bad CIDR ${JSON.stringify(spec.network.cidr)}: ${cidrResult.reason}`);
  const cidr = cidrResult.ok ? cidrResult.cidr : undefined;

  const facts = PROVIDERS[spec.provider.type];
  let box: string | undefined;
  if (facts.usesBox) {
    box = spec.box ?? facts.defaultBox[spec.arch];
    if (box === undefined)
      problem(
        ['provider', 'type'],
        `no default box for ${spec.provider.type} on ${spec.arch}`,
        'set `box` to a Vagrant box built for this provider and architecture',
      );
  }

  const ssh = sshModel(spec, ctx);
  // Vagrant's machines are reached as the box's user with the lab's key, on their private address.
  const nodes: NodeModel[] = expandNodes(spec, cidr, problem).map((n) => ({
    ...n,
    ssh: { host: n.ip, port: SSH_PORT, user: ssh.user, privateKeyPath: ssh.privateKeyPath },
  }));
  // The schema's pattern still admits strings that are no URL ("http://a:b:c", "http://[x");
  // they would only fail on the nodes, in Docker or apt.
  const url = (at: SourcePath, text: string): URL | undefined => {
    try {
      return new URL(text);
    } catch {
      problem(at, `${JSON.stringify(text)} is not a valid URL`, 'write it as http://HOST:PORT or https://HOST:PORT');
      return undefined;
    }
  };
  if (spec.proxy?.http !== undefined) url(['proxy', 'http'], spec.proxy.http);
  if (spec.proxy?.https !== undefined) url(['proxy', 'https'], spec.proxy.https);
  const mirrorUrl = spec.registryMirror && url(['registryMirror', 'url'], spec.registryMirror.url);
  if (spec.provider.syncedFolder !== 'none' && !spec.registry.enabled) {
    const imagesDir = path.resolve(path.dirname(ctx.specFile), spec.images.dir);
    const keyFiles = spec.ssh.privateKey === undefined ? [] : [path.resolve(path.dirname(ctx.specFile), spec.ssh.privateKey)];
    const reason = unshareableReason(imagesDir, { outDir: ctx.outDir, keyFiles });
    if (reason !== undefined) {
      problem(
        ['images', 'dir'],
        `${JSON.stringify(spec.images.dir)} is ${reason}; every machine could read it`,
        'give the images a folder of their own, such as `images.dir: .images` beside the spec',
      );
    }
  }
  const system = systemImages(spec);
  const plugin = cniPlugin(spec, system);
  const hostServices = hostServicesModel(spec, cidr, url);
  const model: LabModel = {
    name: spec.name,
    specPath: toPosix(path.relative(ctx.outDir, ctx.specFile)),
    kubernetesVersion: spec.kubernetesVersion,
    rkeVersion: spec.rke.version,
    arch: spec.arch,
    provider: {
      type: spec.provider.type,
      box,
      syncedFolderType: syncedFolderType(spec),
      virtualbox: spec.provider.virtualbox,
      libvirt: spec.provider.libvirt,
      docker: spec.provider.docker,
    },
    network: {
      cidr: spec.network.cidr,
      netmask: cidr ? netmask(cidr.prefix) : '255.255.255.0',
      prefix: cidr?.prefix ?? 24,
      interface: spec.network.interface,
    },
    nodes,
    cni: { plugin, options: cniOptions(spec, plugin) },
    ssh,
    proxy: proxyModel(spec, nodes),
    registryMirror: spec.registryMirror && {
      url: spec.registryMirror.url,
      host: mirrorUrl?.host ?? '',
      insecure: spec.registryMirror.insecure,
    },
    images: {
      hostDir: toPosix(path.relative(ctx.outDir, path.resolve(path.dirname(ctx.specFile), spec.images.dir))) || '.',
      delivery: hostServices.registry ? 'registry' : spec.provider.syncedFolder === 'none' ? 'none' : 'tarballs',
      guestDir: GUEST_IMAGES_DIR,
      system,
      kitTarball: system === 'kit' ? kitTarballName(spec.kubernetesVersion) : undefined,
    },
    hostServices,
    apiEndpoint: apiEndpoint(nodes),
  };
  return { model, problems };
}

type NodeWithoutAccess = Omit<NodeModel, 'ssh'>;

function expandNodes(spec: SpecDocument, cidr: Cidr | undefined, problem: (at: SourcePath, message: string, hint?: string) => void): NodeWithoutAccess[] {
  const nodes: NodeWithoutAccess[] = [];
  const wanted: (number | undefined)[] = [];
  spec.nodes.forEach((entry, index) => {
    const source: SourcePath = ['nodes', index];
    const memory = entry.memory ?? spec.defaults.memory;
    const memoryAt: SourcePath = entry.memory === undefined ? ['defaults', 'memory'] : [...source, 'memory'];
    let memoryMiB = parseMemoryMiB(memory);
    if (memoryMiB === undefined) {
      problem(memoryAt, `cannot read ${JSON.stringify(memory)} as a memory size`, 'write a whole number of MiB, or a size such as "2G" or "1536M"');
      memoryMiB = 0;
    } else if (memoryMiB < 256) {
      problem(memoryAt, `${memoryMiB} MiB is too little memory for a node`, 'give each node at least 256 MiB; 2G is comfortable');
    }
    let firstIp: number | undefined;
    if (entry.ip !== undefined) {
      firstIp = parseIp(entry.ip);
      if (firstIp === undefined) problem([...source, 'ip'], `${entry.ip} is not an IPv4 address (each part must be 0-255)`);
    }
    const count = entry.count ?? 1;
    const roles = ROLE_ORDER.filter((r) => entry.roles.includes(r));
    for (let i = 0; i < count; i++) {
      const name = entry.count === undefined ? entry.name : `${entry.name}-${i + 1}`;
      nodes.push({
        name,
        machineName: `${spec.name}-${name}`,
        roles,
        cpus: entry.cpus ?? spec.defaults.cpus,
        memoryMiB,
        ip: '',
        labels: sortedRecord(entry.labels ?? {}),
        taints: entry.taints ?? [],
        source,
        ...(roles.includes('etcd') && PROVIDERS[spec.provider.type].ownDisks ? { etcdDiskGiB: ETCD_DISK.sizeGiB } : {}),
      });
      wanted.push(firstIp !== undefined ? firstIp + i : roles.includes('loadbalancer') && cidr ? cidr.network + API_ENDPOINT_HOST + i : undefined);
    }
  });
  // A production-shaped control plane has one address for its API: two or more controlplane nodes
  // get a loadbalancer machine unless the spec declares one (spec/semantic.ts refuses a name clash).
  const controlplanes = nodes.filter((n) => n.roles.includes('controlplane')).length;
  if (controlplanes >= 2 && !nodes.some((n) => n.roles.includes('loadbalancer'))) {
    nodes.push({
      name: AUTO_ENDPOINT_NODE,
      machineName: `${spec.name}-${AUTO_ENDPOINT_NODE}`,
      roles: ['loadbalancer'],
      cpus: 1,
      memoryMiB: AUTO_ENDPOINT_MEMORY_MIB,
      ip: '',
      labels: {},
      taints: [],
      source: ['nodes'],
      added: true,
    });
    wanted.push(cidr ? cidr.network + API_ENDPOINT_HOST : undefined);
  }
  // Explicit addresses first, so that automatic ones never take an address a later node asked for.
  const taken = new Set(wanted.filter((ip): ip is number => ip !== undefined));
  let next = cidr ? cidr.network + FIRST_NODE_HOST : 0;
  nodes.forEach((node, i) => {
    const ip = wanted[i];
    if (ip !== undefined) {
      node.ip = formatIp(ip);
      return;
    }
    if (!cidr) return;
    while (taken.has(next)) next++;
    if (!contains(cidr, next) || next === cidr.network + cidr.size - 1) {
      problem(['network', 'cidr'], `${cidr.text} has no free address left for node ${node.name}`, 'use a larger network or give nodes explicit IPs');
      return;
    }
    taken.add(next);
    node.ip = formatIp(next);
  });
  return nodes;
}

/** Enough for haproxy and the machine's own systemd, on every provider. */
const AUTO_ENDPOINT_MEMORY_MIB = 512;

/** The endpoint the loadbalancer machine carries, in front of every controlplane node. */
function apiEndpoint(nodes: NodeModel[]): ApiEndpointModel | undefined {
  const machine = nodes.find((n) => n.roles.includes('loadbalancer'));
  if (!machine) return undefined;
  return {
    node: machine.name,
    address: machine.ip,
    port: API_PORT,
    backends: nodes.filter((n) => n.roles.includes('controlplane')).map((n) => ({ name: n.name, ip: n.ip })),
    check: { ...ENDPOINT_CHECK },
  };
}

function sshModel(spec: SpecDocument, ctx: NormalizeContext): LabModel['ssh'] {
  const own = spec.ssh.privateKey;
  const key = own === undefined ? SSH_KEY : toPosix(path.relative(ctx.outDir, path.resolve(path.dirname(ctx.specFile), own)));
  return { user: spec.ssh.user, privateKeyPath: key, publicKeyPath: `${key}.pub`, managed: own === undefined };
}

/** "default" is the provider's: rsync where Vagrant's own default would need more than a user has. */
function syncedFolderType(spec: SpecDocument): 'rsync' | 'nfs' | undefined {
  const choice = spec.provider.syncedFolder;
  if (choice === 'rsync' || choice === 'nfs') return choice;
  return choice === 'default' ? PROVIDERS[spec.provider.type].defaultSyncedFolder : undefined;
}

/** Each provider says where its labs' images come from unless the spec does. */
function systemImages(spec: SpecDocument): SystemImages {
  return spec.images.system ?? PROVIDERS[spec.provider.type].defaultSystemImages;
}

/** The kit has flannel but no calico (so no canal either); with RKE's images canal stays the default. */
function cniPlugin(spec: SpecDocument, system: SystemImages): CniPlugin {
  return spec.cni.plugin ?? defaultCniPlugin(system === 'kit');
}

/** Binds the CNI to the private interface; the NAT interface has the same address on every machine. */
function cniOptions(spec: SpecDocument, plugin: CniPlugin): Record<string, string> {
  const option = CNI[plugin].interfaceOption;
  const own: Record<string, string> = option === undefined ? {} : { [option]: spec.network.interface };
  return sortedRecord({ ...own, ...spec.cni.options });
}

/** The host's address is the network's first: where VirtualBox, libvirt and Docker all put the host. */
function hostServicesModel(spec: SpecDocument, cidr: Cidr | undefined, url: SpecReading['url']): HostServicesModel {
  return { address: cidr ? formatIp(cidr.network + 1) : '', ...serviceSettings(spec, { provider: PROVIDERS[spec.provider.type], url }) };
}

function proxyModel(spec: SpecDocument, nodes: NodeModel[]): ProxyModel | undefined {
  if (!spec.proxy) return undefined;
  const noProxy = [
    ...spec.proxy.noProxy,
    'localhost',
    '127.0.0.1',
    spec.network.cidr,
    ...nodes.flatMap((n) => [n.name, n.ip]),
    CLUSTER_CIDR,
    SERVICE_CIDR,
    '.svc',
    '.cluster.local',
  ].filter((v) => v !== '');
  return { http: spec.proxy.http, https: spec.proxy.https, noProxy: [...new Set(noProxy)] };
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
