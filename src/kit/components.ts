/**
 * What the offline kit is made of: the pinned RKE, the Kubernetes versions it can build, and the
 * version of every other component. One table, so the builder, the generated `cluster.yml` and
 * validation can never disagree about an image name.
 */

/** The RKE release the kit builds (github.com/rancher/rke, from the Go module proxy). */
export const KIT_RKE_VERSION = 'v1.8.5';

/**
 * The Kubernetes versions RKE v1.8.5 installs: every version of the minor releases its embedded
 * metadata admits for this RKE (1.30 to 1.32; `rke config --list-version --all` shows the newest of
 * each). Older entries in that metadata are kept only for upgrades. Validation rejects anything else.
 */
export const RKE_KUBERNETES_VERSIONS: readonly string[] = [
  'v1.30.2-rancher1-1',
  'v1.30.3-rancher1-1',
  'v1.30.4-rancher1-1',
  'v1.30.5-rancher1-1',
  'v1.30.6-rancher1-1',
  'v1.30.7-rancher1-1',
  'v1.30.8-rancher1-1',
  'v1.30.9-rancher1-1',
  'v1.30.10-rancher1-1',
  'v1.30.11-rancher1-1',
  'v1.30.12-rancher1-1',
  'v1.30.13-rancher1-1',
  'v1.30.14-rancher1-1',
  'v1.31.2-rancher2-1',
  'v1.31.3-rancher1-1',
  'v1.31.4-rancher1-1',
  'v1.31.5-rancher1-1',
  'v1.31.6-rancher1-1',
  'v1.31.7-rancher1-1',
  'v1.31.8-rancher1-1',
  'v1.31.9-rancher1-1',
  'v1.31.10-rancher1-1',
  'v1.32.2-rancher1-1',
  'v1.32.3-rancher1-1',
  'v1.32.4-rancher1-1',
  'v1.32.5-rancher1-1',
  'v1.32.6-rancher1-1',
];

/**
 * The Kubernetes versions the kit builds images for: its other components (etcd, CoreDNS,
 * flannel, …) are the ones RKE pairs with Kubernetes 1.32.
 */
export const KIT_KUBERNETES_VERSIONS: readonly string[] = RKE_KUBERNETES_VERSIONS.filter((v) => v.startsWith('v1.32.'));

/** Versions of everything besides Kubernetes and RKE; each is a Go module or a source tarball. */
export const KIT_COMPONENTS = {
  etcd: 'v3.5.16',
  coredns: 'v1.11.3',
  /** RKE names v0.26.4, which the Go module proxy does not serve. */
  flannel: 'v0.28.10',
  cniPlugins: 'v1.10.0',
  criDockerd: 'v0.3.16',
  rkeTools: 'v0.1.111',
  flannelCni: 'v1.4.1-flannel1',
  autoscaler: 'v1.9.0',
  metricsServer: 'v0.7.2',
  iptablesWrappers: 'v3',
  /** The pause program in the Kubernetes v1.32 tree. */
  pause: '3.10',
} as const;

/** The upstream Kubernetes tag of an RKE version: v1.32.5-rancher1-1 → v1.32.5. */
export function upstreamKubernetesVersion(rkeVersion: string): string {
  return rkeVersion.replace(/-rancher.*$/, '');
}

/**
 * RKE's `system_images` keys that the kit fills, with kubelab's image for each. Keys left out keep
 * RKE's defaults and are never pulled by a kit cluster (kube-dns, nodelocal, calico, ingress, …).
 */
export function kitSystemImages(kubernetesVersion: string): Record<string, string> {
  const c = KIT_COMPONENTS;
  const tools = `kubelab/rke-tools:${c.rkeTools}`;
  return {
    etcd: `kubelab/etcd:${c.etcd}`,
    alpine: tools,
    nginx_proxy: tools,
    cert_downloader: tools,
    kubernetes_services_sidecar: tools,
    kubernetes: `kubelab/hyperkube:${upstreamKubernetesVersion(kubernetesVersion)}`,
    flannel: `kubelab/flannel:${c.flannel}`,
    flannel_cni: `kubelab/flannel-cni:${c.flannelCni}`,
    coredns: `kubelab/coredns:${c.coredns}`,
    coredns_autoscaler: `kubelab/cluster-proportional-autoscaler:${c.autoscaler}`,
    pod_infra_container: `kubelab/pause:${c.pause}`,
    metrics_server: `kubelab/metrics-server:${c.metricsServer}`,
  };
}

/** The file the kit's images are saved to, in the spec's images folder. */
export function kitTarballName(kubernetesVersion: string): string {
  return `kubelab-kit-${kubernetesVersion}.tar.gz`;
}
