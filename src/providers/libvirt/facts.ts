import type { ProviderFacts } from '../facts.js';

/** The box `kubelab box build --provider libvirt` makes (boxes/libvirt/build.sh), offline. */
export const KUBELAB_LIBVIRT_BOX = 'kubelab/debian-bookworm';

export const libvirt: ProviderFacts = {
  type: 'libvirt',
  natCidr: '192.168.121.0/24',
  natName: "vagrant-libvirt's management network",
  usesBox: true,
  defaultBox: { amd64: KUBELAB_LIBVIRT_BOX, arm64: undefined },
  installsPackages: true,
  sharesHostKernel: false,
  loopbackResolver: false,
  // vagrant-libvirt's `storage :file`, with a serial the VM can find it by.
  ownDisks: true,
  netmaskAsPrefix: false,
  // vagrant-libvirt's own default is NFS, which needs an NFS server and root on the host; rsync
  // works everywhere.
  defaultSyncedFolder: 'rsync',
  defaultSystemImages: 'rancher',
  // Domains are named <lab>-<node> (the nodes' machineName), not after the output folder (out_cp),
  // which every lab's would share.
  vagrantSettings: (model) => ({ ...model.provider.libvirt, domainPrefix: `${model.name}-` }),
};
