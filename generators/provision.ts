import type { LabModel, NodeModel } from '../src/model.js';
import { HAPROXY_CONFIG, HAPROXY_STATS_PORT } from '../src/cluster/endpoint.js';
import { isKubernetesNode } from '../src/vocabulary.js';
import { ETCD_DISK } from '../src/etcd-disk.js';
import { SERVICE_CIDR } from '../src/lab-network.js';
import { PROVIDERS } from '../src/providers/index.js';
import { proxyVariables } from '../src/proxy-env.js';
import { NODE_PATHS } from '../src/node-paths.js';
import { renderTemplate } from '../src/render.js';
import type { Artifact } from '../src/output/artifact.js';

/**
 * The resolv.conf provision/dns.sh writes on docker-provider nodes, where the kubelet reads it: RKE
 * mounts the node's /etc at /host/etc in the kubelet's container.
 */
export const NODE_DNS_RESOLV_CONF = { host: '/etc/kubelab/resolv.conf', kubelet: '/host/etc/kubelab/resolv.conf' } as const;

/** The kubelet configuration provision/capacity.sh writes on docker-provider nodes, likewise. */
export const NODE_KUBELET_CONFIG = { host: '/etc/kubelab/kubelet-config.yaml', kubelet: '/host/etc/kubelab/kubelet-config.yaml' } as const;

/** Gives a machine back what the provisioning steps changed on it (templates/provision/undo.sh.hbs). */
export const UNDO_SCRIPT = 'provision/undo.sh';

/** What a provisioning step is given on its command line: a value of the node, or the lab's public key. */
export type ProvisionArg = 'node_name' | 'node_ip' | 'node_cpus' | 'node_memory_mib' | 'rke_public_key' | 'etcd_disk';

/** A provisioning step, in the order every runner runs them: the Vagrantfile today. */
export interface ProvisionStep {
  name: string;
  path: string;
  args: ProvisionArg[];
  /** Which machines run it: every one, the Kubernetes nodes, or the loadbalancer machine. */
  on: MachineKind | 'every';
}

/** What a machine of the lab is: a Kubernetes node, or the machine that carries the API endpoint. */
export type MachineKind = 'kubernetes' | 'loadbalancer';
export const machineKind = (node: NodeModel): MachineKind => (isKubernetesNode(node.roles) ? 'kubernetes' : 'loadbalancer');

/** The size etcd-disk.sh is given: "4G", or empty on a node without etcd's own disk. */
export const etcdDiskSize = (node: NodeModel): string => (node.etcdDiskGiB === undefined ? '' : `${node.etcdDiskGiB}G`);

/**
 * Each argument's value for one node. The Vagrantfile's table (generators/vagrantfile.ts) computes
 * the same in Ruby at `vagrant up`; a test loads every golden Vagrantfile and compares the two.
 */
const ARG_VALUE: Record<ProvisionArg, (node: NodeModel, publicKey: string) => string> = {
  node_name: (node) => node.name,
  node_ip: (node) => node.ip,
  node_cpus: (node) => String(node.cpus),
  node_memory_mib: (node) => String(node.memoryMiB),
  rke_public_key: (_node, publicKey) => publicKey,
  etcd_disk: etcdDiskSize,
};

/** The steps one machine runs, in order. */
export const stepsFor = (model: LabModel, node: NodeModel): ProvisionStep[] =>
  provisionSteps(model).filter((s) => s.on === 'every' || s.on === machineKind(node));

/** One step's arguments on one node. `publicKey`: the key file's text without surrounding blanks, empty when there is none. */
export const provisionArgs = (step: ProvisionStep, node: NodeModel, publicKey: string): string[] => step.args.map((a) => ARG_VALUE[a](node, publicKey));

/** haproxy's timeouts: a connect to a live API server on the lab's network takes milliseconds; a watch may be silent for minutes. */
const HAPROXY_TIMEOUTS = { connectMs: 2000, idleMs: 30 * 60_000 };

/** Some node of the lab gets etcd's data disk of its own. */
export const hasEtcdDisks = (model: LabModel): boolean => model.nodes.some((n) => n.etcdDiskGiB !== undefined);

export function provisionSteps(model: LabModel): ProvisionStep[] {
  const steps: ProvisionStep[] = [
    { name: 'system', path: 'provision/system.sh', args: ['node_name', 'node_ip'], on: 'every' },
    // Before Docker: etcd's container must find its data where the disk is mounted.
    ...(hasEtcdDisks(model) ? [{ name: 'etcd-disk', path: 'provision/etcd-disk.sh', args: ['etcd_disk'], on: 'kubernetes' } satisfies ProvisionStep] : []),
    { name: 'docker', path: 'provision/docker.sh', args: [], on: 'kubernetes' },
  ];
  const facts = PROVIDERS[model.provider.type];
  if (facts.loopbackResolver) steps.push({ name: 'dns', path: 'provision/dns.sh', args: ['node_ip'], on: 'kubernetes' });
  if (facts.sharesHostKernel) steps.push({ name: 'capacity', path: 'provision/capacity.sh', args: ['node_cpus', 'node_memory_mib'], on: 'kubernetes' });
  steps.push({ name: 'cni', path: 'provision/cni.sh', args: [], on: 'kubernetes' });
  if (model.images.delivery === 'tarballs') steps.push({ name: 'images', path: 'provision/images.sh', args: [], on: 'kubernetes' });
  if (model.apiEndpoint) steps.push({ name: 'loadbalancer', path: 'provision/loadbalancer.sh', args: [], on: 'loadbalancer' });
  steps.push({ name: 'rke-access', path: 'provision/rke-access.sh', args: ['rke_public_key'], on: 'every' });
  return steps;
}

/** The name of systemd's unit for a device path, as `systemd-escape --path --suffix=device` makes it. */
export function systemdDeviceUnit(devicePath: string): string {
  const escaped = devicePath
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((part) => part.replace(/[^a-zA-Z0-9:_.]|^\./g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))
    .join('-');
  return `${escaped}.device`;
}

/** Docker's daemon.json for the nodes, decided here so the script only writes it. */
export function dockerDaemonConfig(model: LabModel): Record<string, unknown> {
  const config: Record<string, unknown> = {
    'log-driver': 'json-file',
    'log-opts': { 'max-file': '3', 'max-size': '10m' },
  };
  const mirrors = registryMirrors(model);
  if (mirrors.length > 0) {
    // Docker asks each mirror in turn, then Docker Hub: local images first, then the cache.
    config['registry-mirrors'] = mirrors.map((m) => m.url);
    const insecure = mirrors.filter((m) => m.insecure).map((m) => m.host);
    if (insecure.length > 0) config['insecure-registries'] = insecure;
  }
  const facts = PROVIDERS[model.provider.type];
  if (facts.sharesHostKernel) {
    // Docker inside a container can only grant the capabilities its container has; the box ships a
    // runc wrapper that drops the others from each OCI spec instead of failing the whole container.
    config.runtimes = { 'kubelab-runc': { path: '/usr/local/bin/runc-drop-caps' } };
    config['default-runtime'] = 'kubelab-runc';
  }
  if (facts.loopbackResolver) {
    // The container's resolver is Docker's embedded DNS on 127.0.0.11. A nested dockerd drops
    // loopback resolvers and would hand its containers public ones instead; host-network containers
    // (all of RKE's) resolve through the node's own resolver this way.
    config.dns = ['127.0.0.11'];
  }
  return config;
}

/** The lab registry, its pull-through cache and the spec's own mirror, in the order Docker tries them. */
export function registryMirrors(model: LabModel): { url: string; host: string; insecure: boolean }[] {
  const { address, registry, pullThrough } = model.hostServices;
  // Plain HTTP on the private network only: nothing else can reach these addresses.
  const local = [registry, pullThrough]
    .filter((s): s is { port: number } => s !== undefined)
    .map((s) => ({ url: `http://${address}:${s.port}`, host: `${address}:${s.port}`, insecure: true }));
  return [...local, ...(model.registryMirror ? [model.registryMirror] : [])];
}

/**
 * apt's proxies on the nodes: http through the package cache when there is one (which fetches
 * through the spec's proxy itself); https goes to the spec's proxy, as the cache cannot look inside it.
 */
function aptProxy(model: LabModel): { http: string | undefined; https: string | undefined } | undefined {
  const cache = model.hostServices.packageCache;
  const http = cache ? `http://${model.hostServices.address}:${cache.port}` : model.proxy?.http;
  const https = model.proxy?.https;
  return http === undefined && https === undefined ? undefined : { http, https };
}

function proxyEnvironment(model: LabModel): { name: string; value: string; assignment: string }[] {
  return proxyVariables(model.proxy).map((e) => ({ ...e, assignment: `${e.name}=${e.value}` }));
}

export async function renderProvisionScripts(model: LabModel): Promise<Artifact[]> {
  // A privileged container shares the host's swap and kernel modules: turning swap off there would
  // turn it off on the host, and modules can only be loaded by the host.
  const isContainer = PROVIDERS[model.provider.type].sharesHostKernel;
  const common = { provider: model.provider.type, ledgerRoot: NODE_PATHS.ledger };
  const proxyEnv = proxyEnvironment(model);
  const data: Record<string, object | undefined> = {
    'system.sh': {
      ...common,
      interface: model.network.interface,
      serviceCidr: SERVICE_CIDR,
      hosts: model.nodes.map((n) => ({ ip: n.ip, name: n.name })),
      manageSwap: !isContainer,
      // A built-in module has no /sys/module entry; what it provides is the reliable sign it is there.
      modules: [
        { name: 'br_netfilter', loadedWhen: '/proc/sys/net/bridge/bridge-nf-call-iptables' },
        { name: 'overlay', loadedWhen: '/sys/module/overlay' },
      ],
      kernelIsHosts: isContainer,
      sysctls: [
        { key: 'net.bridge.bridge-nf-call-ip6tables', value: '1' },
        { key: 'net.bridge.bridge-nf-call-iptables', value: '1' },
        { key: 'net.ipv4.ip_forward', value: '1' },
      ],
      proxyEnv,
      aptProxy: aptProxy(model),
    },
    'docker.sh': {
      ...common,
      daemonJson: JSON.stringify(dockerDaemonConfig(model), null, 2),
      proxyEnv,
    },
    'cni.sh': { ...common },
    'etcd-disk.sh': { ...common, ...ETCD_DISK, deviceUnit: systemdDeviceUnit(`/dev/disk/by-id/virtio-${ETCD_DISK.serial}`) },
    'dns.sh': { ...common, hostResolvConf: NODE_DNS_RESOLV_CONF.host, resolvConf: NODE_DNS_RESOLV_CONF.kubelet },
    'capacity.sh': { ...common, hostKubeletConfig: NODE_KUBELET_CONFIG.host, kubeletConfig: NODE_KUBELET_CONFIG.kubelet },
    'images.sh': { ...common, guestDir: model.images.guestDir },
    'rke-access.sh': { ...common, user: model.ssh.user },
    'loadbalancer.sh': model.apiEndpoint && {
      ...common,
      ...model.apiEndpoint,
      connectTimeoutMs: HAPROXY_TIMEOUTS.connectMs,
      idleTimeoutMs: HAPROXY_TIMEOUTS.idleMs,
      statsPort: HAPROXY_STATS_PORT,
      // The scenarios read the checks back from this file.
      configFile: HAPROXY_CONFIG,
    },
  };
  const artifacts: Artifact[] = [];
  for (const step of provisionSteps(model)) {
    const name = step.path.slice('provision/'.length);
    const content = await renderTemplate(`provision/${name}.hbs`, 'shell', data[name] ?? common, model.specPath);
    artifacts.push({ path: step.path, kind: 'shell', content, executable: true });
  }
  // Not a step: what gives a machine back, from what the steps recorded on it.
  const undo = await renderTemplate('provision/undo.sh.hbs', 'shell', { ledgerRoot: NODE_PATHS.ledger, workDir: NODE_PATHS.workDir }, model.specPath);
  artifacts.push({ path: UNDO_SCRIPT, kind: 'shell', content: undo, executable: true });
  return artifacts;
}
