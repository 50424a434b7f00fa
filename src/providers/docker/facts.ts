import type { LabModel } from '../../model.js';
import type { ProviderFacts } from '../facts.js';

/**
 * Container settings that let a container stand in for a VM: its own cgroup namespace, so that
 * systemd runs as PID 1 (the box's entry point mounts /run itself), and a real filesystem for Docker
 * inside (overlay on overlay does not work). Every node's name resolves to its private address,
 * because Docker writes the container's own /etc/hosts line with the NAT (bridge) address.
 */
export function dockerCreateArgs(model: LabModel): string[] {
  return ['--cgroupns=private', '--volume=/var/lib/docker', ...model.nodes.map((n) => `--add-host=${n.name}:${n.ip}`)];
}

export const docker: ProviderFacts = {
  type: 'docker',
  natCidr: '172.17.0.0/16',
  natName: "Docker's default bridge",
  usesBox: false,
  defaultBox: { amd64: undefined, arm64: undefined },
  installsPackages: false,
  sharesHostKernel: true,
  loopbackResolver: true,
  // A container's files are on the host's disk.
  ownDisks: false,
  // `docker network create --subnet` only understands a prefix length.
  netmaskAsPrefix: true,
  defaultSyncedFolder: undefined,
  // Labs on containers run offline from kubelab's kit; VMs pull RKE's images, as they always did.
  defaultSystemImages: 'kit',
  vagrantSettings: (model) => ({ image: model.provider.docker.image, createArgs: dockerCreateArgs(model) }),
};
