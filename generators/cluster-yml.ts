import type { LabModel } from '../src/model.js';
import { CLUSTER_CIDR, SERVICE_CIDR } from '../src/providers.js';
import { header, renderTemplate } from '../src/render.js';
import type { Artifact } from './artifact.js';

/** Tenth address of the service network: RKE's convention for the cluster DNS service. */
function clusterDnsServer(serviceCidr: string): string {
  const [a, b, c] = serviceCidr.split('.');
  return `${a}.${b}.${c}.10`;
}

export async function renderClusterYml(model: LabModel): Promise<Artifact> {
  const content = await renderTemplate('cluster.yml.hbs', 'yaml', {
    header: header(model.specPath),
    name: model.name,
    kubernetesVersion: model.kubernetesVersion,
    sshKeyPath: model.ssh.privateKeyPath,
    sshUser: model.ssh.user,
    nodes: model.nodes,
    serviceCidr: SERVICE_CIDR,
    clusterCidr: CLUSTER_CIDR,
    clusterDnsServer: clusterDnsServer(SERVICE_CIDR),
    // Containers share the host's swap, which the lab must not turn off.
    failSwapOn: model.provider.type !== 'docker',
    cniPlugin: model.cni.plugin,
    cniOptions: model.cni.options,
  });
  return { path: 'cluster.yml', kind: 'yaml', content, executable: false };
}
