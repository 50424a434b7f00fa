import { KIT_COMPONENTS, KIT_RKE_VERSION, kitSystemImages, upstreamKubernetesVersion } from './components.js';
import type { SourceId } from './sources.js';

/** One `kit/binaries.sh STEP` run: what it reads besides the proxy, and what it leaves behind. */
export interface BinaryStep {
  id: string;
  sources: SourceId[];
  /** Files the step leaves in its output folder (a folder name stands for all of it). */
  outputs: string[];
}

const KUBE_PROGRAMS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy', 'kubectl'];

/** In build order: quick steps first, so a broken setup fails before the long Kubernetes build. */
export const BINARY_STEPS: readonly BinaryStep[] = [
  { id: 'rke', sources: [], outputs: ['rke'] },
  { id: 'pause', sources: [], outputs: ['pause'] },
  { id: 'iptables-wrapper', sources: ['iptablesWrappers'], outputs: ['iptables-wrapper'] },
  { id: 'cni-plugins', sources: [], outputs: ['cni'] },
  { id: 'flannel-cni', sources: ['flannelCniPlugin'], outputs: ['flannel'] },
  { id: 'etcd', sources: [], outputs: ['etcd', 'etcdctl'] },
  { id: 'coredns', sources: [], outputs: ['coredns'] },
  { id: 'flannel', sources: [], outputs: ['flanneld'] },
  { id: 'cri-dockerd', sources: ['criDockerd'], outputs: ['cri-dockerd'] },
  { id: 'rke-etcd-backup', sources: ['rkeTools'], outputs: ['rke-etcd-backup'] },
  { id: 'autoscaler', sources: ['autoscaler'], outputs: ['cluster-proportional-autoscaler'] },
  { id: 'metrics-server', sources: ['metricsServer'], outputs: ['metrics-server'] },
  { id: 'kubernetes', sources: [], outputs: KUBE_PROGRAMS },
];

/** The environment `kit/binaries.sh` reads its versions from. */
export function binaryVersions(kubernetesVersion: string): Record<string, string> {
  const c = KIT_COMPONENTS;
  return {
    KIT_RKE_VERSION: KIT_RKE_VERSION,
    KIT_K8S_VERSION: upstreamKubernetesVersion(kubernetesVersion),
    KIT_ETCD_VERSION: c.etcd,
    KIT_COREDNS_VERSION: c.coredns,
    KIT_FLANNEL_VERSION: c.flannel,
    KIT_CNI_PLUGINS_VERSION: c.cniPlugins,
    KIT_CRI_DOCKERD_VERSION: c.criDockerd,
    KIT_RKE_TOOLS_VERSION: c.rkeTools,
    KIT_FLANNEL_CNI_VERSION: c.flannelCni,
    KIT_AUTOSCALER_VERSION: c.autoscaler,
    KIT_METRICS_SERVER_VERSION: c.metricsServer,
  };
}

/** The variable naming each source's folder for `kit/binaries.sh`. */
export const SOURCE_ENV: Record<SourceId, string> = {
  criDockerd: 'KIT_SOURCE_CRI_DOCKERD',
  rkeTools: 'KIT_SOURCE_RKE_TOOLS',
  flannelCniPlugin: 'KIT_SOURCE_FLANNEL_CNI',
  rancherFlannelCni: 'KIT_SOURCE_RANCHER_FLANNEL_CNI',
  autoscaler: 'KIT_SOURCE_AUTOSCALER',
  metricsServer: 'KIT_SOURCE_METRICS_SERVER',
  iptablesWrappers: 'KIT_SOURCE_IPTABLES_WRAPPERS',
};

/** A file of a step's output copied into an image's build context under bin/. */
export interface BinaryInput {
  step: string;
  file: string;
  /** Path under bin/ in the build context; the same as `file` when left out. */
  to?: string;
}

/** One image: a folder in kit/images with its Dockerfile, and what its build context gets. */
export interface ImageRecipe {
  /** Folder in kit/images. */
  dir: string;
  name: string;
  binaries: BinaryInput[];
  /** A source tree copied into the build context as src/. */
  source?: SourceId;
}

/** The plugins rancher/flannel-cni installs on every node, and the kit's flannel plugin. */
const FLANNEL_CNI_PLUGINS = ['bridge', 'dhcp', 'host-local', 'ipvlan', 'loopback', 'macvlan', 'portmap', 'ptp', 'tuning', 'vlan'];
const ALL_CNI_PLUGINS = [...FLANNEL_CNI_PLUGINS, 'bandwidth', 'dummy', 'firewall', 'host-device', 'sbr', 'static', 'tap', 'vrf'].sort();

export function imageRecipes(kubernetesVersion: string): ImageRecipe[] {
  const images = kitSystemImages(kubernetesVersion);
  const cni = (plugins: string[]): BinaryInput[] => [
    ...plugins.map((p) => ({ step: 'cni-plugins', file: `cni/${p}` })),
    { step: 'flannel-cni', file: 'flannel', to: 'cni/flannel' },
  ];
  return [
    { dir: 'pause', name: images.pod_infra_container!, binaries: [{ step: 'pause', file: 'pause' }] },
    {
      dir: 'hyperkube',
      name: images.kubernetes!,
      binaries: [...KUBE_PROGRAMS.map((p) => ({ step: 'kubernetes', file: p })), { step: 'iptables-wrapper', file: 'iptables-wrapper' }],
    },
    {
      dir: 'rke-tools',
      name: images.alpine!,
      source: 'rkeTools',
      binaries: [
        { step: 'cri-dockerd', file: 'cri-dockerd' },
        { step: 'rke-etcd-backup', file: 'rke-etcd-backup' },
        { step: 'etcd', file: 'etcdctl' },
        { step: 'kubernetes', file: 'kubectl' },
        ...cni(ALL_CNI_PLUGINS),
      ],
    },
    {
      dir: 'etcd',
      name: images.etcd!,
      binaries: [
        { step: 'etcd', file: 'etcd' },
        { step: 'etcd', file: 'etcdctl' },
      ],
    },
    { dir: 'flannel', name: images.flannel!, binaries: [{ step: 'flannel', file: 'flanneld' }] },
    { dir: 'flannel-cni', name: images.flannel_cni!, source: 'rancherFlannelCni', binaries: cni(FLANNEL_CNI_PLUGINS) },
    { dir: 'coredns', name: images.coredns!, binaries: [{ step: 'coredns', file: 'coredns' }] },
    { dir: 'autoscaler', name: images.coredns_autoscaler!, binaries: [{ step: 'autoscaler', file: 'cluster-proportional-autoscaler' }] },
    { dir: 'metrics-server', name: images.metrics_server!, binaries: [{ step: 'metrics-server', file: 'metrics-server' }] },
  ];
}
