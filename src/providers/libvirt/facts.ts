import type { ProviderFacts } from '../facts.js';

export const libvirt: ProviderFacts = {
  type: 'libvirt',
  natCidr: '192.168.121.0/24',
  natName: "vagrant-libvirt's management network",
  usesBox: true,
  defaultBox: { amd64: 'generic/debian12', arm64: undefined },
  installsPackages: true,
  sharesHostKernel: false,
  loopbackResolver: false,
  netmaskAsPrefix: false,
  // vagrant-libvirt's own default is NFS, which needs an NFS server and root on the host; rsync
  // works everywhere.
  defaultSyncedFolder: 'rsync',
  defaultSystemImages: 'rancher',
  vagrantSettings: (model) => ({ ...model.provider.libvirt }),
};
