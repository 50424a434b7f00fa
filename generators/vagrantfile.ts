import type { LabModel } from '../src/model.js';
import { renderTemplate } from '../src/render.js';
import type { Artifact } from './artifact.js';
import { provisionSteps, type ProvisionStep } from './provision.js';

/** Ruby expressions, inside the Vagrantfile's per-node loop, for each kind of provisioner argument. */
const RUBY_ARG: Record<ProvisionStep['args'][number], string> = {
  node_name: 'n[:name]',
  node_ip: 'n[:ip]',
  node_cpus: 'n[:cpus].to_s',
  node_memory_mib: 'n[:memory].to_s',
  rke_public_key: 'RKE_PUBLIC_KEY',
};

/**
 * Container settings that let a container stand in for a VM: its own cgroup namespace, so that
 * systemd runs as PID 1 (the box's entry point mounts /run itself), and a real filesystem for Docker
 * inside (overlay on overlay does not work). Every node's name resolves to its private address,
 * because Docker writes the container's own /etc/hosts line with the NAT (bridge) address.
 */
export function dockerCreateArgs(model: LabModel): string[] {
  return [
    '--cgroupns=private',
    '--volume=/var/lib/docker',
    ...model.nodes.map((n) => `--add-host=${n.name}:${n.ip}`),
  ];
}

export async function renderVagrantfile(model: LabModel): Promise<Artifact> {
  const type = model.provider.type;
  const content = await renderTemplate('Vagrantfile.hbs', 'ruby', {
    name: model.name,
    box: model.provider.box,
    nodes: model.nodes.map((n) => ({ ...n, roles: n.roles.join(',') })),
    publicKeyPath: model.ssh.publicKeyPath,
    publicKeyNote: model.ssh.managed
      ? 'Written by `kubelab apply` before the machines start; never committed.'
      : 'The public half of ssh.privateKey in the spec.',
    imagesHostDir: model.images.hostDir,
    guestImagesDir: model.images.guestDir,
    syncedFolderType: model.provider.syncedFolderType,
    // Vagrant's docker provider passes the netmask to `docker network create --subnet` as it is,
    // and Docker only understands a prefix length there.
    netmask: type === 'docker' ? String(model.network.prefix) : JSON.stringify(model.network.netmask),
    virtualbox: type === 'virtualbox' ? model.provider.virtualbox : undefined,
    libvirt: type === 'libvirt' ? model.provider.libvirt : undefined,
    docker: type === 'docker' ? { image: model.provider.docker.image, createArgs: dockerCreateArgs(model) } : undefined,
    provisioners: provisionSteps(model).map((s) => ({ name: s.name, path: s.path, args: s.args.map((a) => RUBY_ARG[a]).join(', ') })),
  }, model.specPath);
  return { path: 'Vagrantfile', kind: 'ruby', content, executable: false };
}
