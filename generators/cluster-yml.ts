import { kitSystemImages } from '../src/kit/components.js';
import type { LabModel } from '../src/model.js';
import { CLUSTER_CIDR, CLUSTER_DOMAIN, SERVICE_CIDR } from '../src/lab-network.js';
import { PROVIDERS } from '../src/providers/index.js';
import { isKubernetesNode } from '../src/vocabulary.js';
import { renderTemplate } from '../src/render.js';
import type { Artifact } from '../src/output/artifact.js';
import { NODE_DNS_RESOLV_CONF, NODE_KUBELET_CONFIG } from './provision.js';

/** Tenth address of the service network: RKE's convention for the cluster DNS service. */
function clusterDnsServer(serviceCidr: string): string {
  const [a, b, c] = serviceCidr.split('.');
  return `${a}.${b}.${c}.10`;
}

/** RKE's system_images entries for the kit, in key order so that the output is stable. */
function systemImages(model: LabModel): { key: string; image: string }[] {
  if (model.images.system !== 'kit') return [];
  return Object.entries(kitSystemImages(model.kubernetesVersion))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, image]) => ({ key, image }));
}

function kubeletExtraArgs(sharesHostKernel: boolean, loopbackResolver: boolean): Record<string, string> | undefined {
  const args = {
    ...(sharesHostKernel ? { config: NODE_KUBELET_CONFIG.kubelet } : {}),
    ...(loopbackResolver ? { 'resolv-conf': NODE_DNS_RESOLV_CONF.kubelet } : {}),
  };
  return Object.keys(args).length > 0 ? args : undefined;
}

/**
 * The service accounts' issuer: a URL, so that the API server serves OIDC discovery
 * (/.well-known/openid-configuration) as conformance expects; RKE's own "rke" is not one.
 */
const serviceAccountIssuer = `https://kubernetes.default.svc.${CLUSTER_DOMAIN}`;

/**
 * How long rke up waits for each addon's deploy job (the network plugin, CoreDNS, …). RKE's own 45 s
 * (k8s.DefaultTimeout) assumes fast machines: on two VMs under software emulation the network
 * plugin's job took 47 s, and rke up failed on a cluster that was fine. The wait only bounds a job
 * still running.
 */
const ADDON_JOB_TIMEOUT_SECONDS = 300;

export async function renderClusterYml(model: LabModel): Promise<Artifact> {
  const kit = model.images.system === 'kit';
  const { sharesHostKernel, loopbackResolver } = PROVIDERS[model.provider.type];
  const content = await renderTemplate(
    'cluster.yml.hbs',
    'yaml',
    {
      name: model.name,
      kubernetesVersion: model.kubernetesVersion,
      sshKeyPath: model.ssh.privateKeyPath,
      // The loadbalancer machine is the lab's, not the cluster's: RKE never sees it.
      nodes: model.nodes
        .filter((n) => isKubernetesNode(n.roles))
        .map((n) => ({
          address: n.ssh.host,
          internalAddress: n.ip,
          name: n.name,
          user: n.ssh.user,
          // RKE reads the port as a string.
          port: String(n.ssh.port),
          // A node's own key wins over the cluster's; written only where it differs.
          sshKeyPath: n.ssh.privateKeyPath === model.ssh.privateKeyPath ? undefined : n.ssh.privateKeyPath,
          roles: n.roles,
          labels: n.labels,
          taints: n.taints,
        })),
      // Every API server's certificate must also name the endpoint, which clients reach it through.
      sans: model.apiEndpoint ? [model.apiEndpoint.address] : undefined,
      endpoint: model.apiEndpoint && { node: model.apiEndpoint.node, address: model.apiEndpoint.address },
      anonymousAuth: model.apiEndpoint !== undefined,
      kubeApiExtraArgs: {
        ...(model.apiEndpoint ? { 'anonymous-auth': 'true' } : {}),
        'service-account-issuer': serviceAccountIssuer,
      },
      // extra_args replaces RKE's default issuer, "rke"; the array's flags come after every single
      // one, and the first issuer is the one that issues: "rke" stays accepted, so that the tokens
      // issued before stay valid.
      kubeApiExtraArgsArray: { 'service-account-issuer': ['rke'] },
      serviceCidr: SERVICE_CIDR,
      clusterCidr: CLUSTER_CIDR,
      clusterDnsServer: clusterDnsServer(SERVICE_CIDR),
      clusterDomain: CLUSTER_DOMAIN,
      kit,
      kitTarball: model.images.kitTarball ?? '',
      fromRegistry: model.images.delivery === 'registry',
      registry: model.hostServices.registry ? `${model.hostServices.address}:${model.hostServices.registry.port}` : '',
      systemImages: systemImages(model),
      // Containers share the host's swap, which the lab must not turn off.
      failSwapOn: !sharesHostKernel,
      // A node container cannot raise nf_conntrack_max: "0" makes kube-proxy leave it as it is.
      kubeproxyExtraArgs: sharesHostKernel ? { 'conntrack-max-per-core': '0' } : undefined,
      // A loopback resolver in the node's resolv.conf is CoreDNS itself inside its pod; and a kubelet on
      // the host's kernel sees the host's capacity, so the node's file reserves what the machine lacks.
      kubeletExtraArgs: kubeletExtraArgs(sharesHostKernel, loopbackResolver),
      cniPlugin: model.cni.plugin,
      cniOptions: model.cni.options,
      // ingress-nginx cannot be built offline: a kit cluster has no ingress controller.
      ingressProvider: kit ? 'none' : 'nginx',
      addonJobTimeout: ADDON_JOB_TIMEOUT_SECONDS,
    },
    model.specPath,
  );
  return { path: 'cluster.yml', kind: 'yaml', content, executable: false };
}
