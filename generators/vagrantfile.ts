import type { LabModel } from '../src/model.js';
import { PROVIDERS } from '../src/providers/index.js';
import { renderTemplate } from '../src/render.js';
import type { Artifact } from '../src/output/artifact.js';
import { ETCD_DISK } from '../src/etcd-disk.js';
import { etcdDiskSize, hasEtcdDisks, machineKind, provisionSteps, type ProvisionArg } from './provision.js';

/** provisionArgs (generators/provision.ts) in Ruby, inside the Vagrantfile's per-node loop: the key is read at `vagrant up`. */
const RUBY_ARG: Record<ProvisionArg, string> = {
  node_name: 'n[:name]',
  node_ip: 'n[:ip]',
  node_cpus: 'n[:cpus].to_s',
  node_memory_mib: 'n[:memory].to_s',
  rke_public_key: 'RKE_PUBLIC_KEY',
  etcd_disk: 'n[:etcd_disk].to_s',
};

export async function renderVagrantfile(model: LabModel): Promise<Artifact> {
  const facts = PROVIDERS[model.provider.type];
  const content = await renderTemplate(
    'Vagrantfile.hbs',
    'ruby',
    {
      name: model.name,
      box: model.provider.box,
      // A machine's kind is only written, and provisioners only filtered by it, when the lab has both.
      nodes: model.nodes.map((n) => ({
        ...n,
        roles: n.roles.join(','),
        kind: model.apiEndpoint ? machineKind(n) : undefined,
        etcdDisk: etcdDiskSize(n) || undefined,
      })),
      etcdDiskSerial: hasEtcdDisks(model) ? ETCD_DISK.serial : undefined,
      publicKeyPath: model.ssh.publicKeyPath,
      publicKeyNote: model.ssh.managed
        ? 'Written by `kubelab apply` before the machines start; never committed.'
        : 'The public half of ssh.privateKey in the spec.',
      imagesHostDir: model.images.delivery === 'tarballs' ? model.images.hostDir : undefined,
      guestImagesDir: model.images.guestDir,
      syncedFolderType: model.provider.syncedFolderType,
      netmask: facts.netmaskAsPrefix ? String(model.network.prefix) : JSON.stringify(model.network.netmask),
      [facts.type]: facts.vagrantSettings(model),
      provisioners: provisionSteps(model).map((s) => ({
        name: s.name,
        path: s.path,
        args: s.args.map((a) => RUBY_ARG[a]).join(', '),
        only: s.on === 'every' || !model.apiEndpoint ? undefined : s.on,
      })),
    },
    model.specPath,
  );
  return { path: 'Vagrantfile', kind: 'ruby', content, executable: false };
}
