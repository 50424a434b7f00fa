import type { ProviderFacts } from '../facts.js';

export const virtualbox: ProviderFacts = {
  type: 'virtualbox',
  natCidr: '10.0.2.0/24',
  natName: "VirtualBox's NAT network",
  usesBox: true,
  defaultBox: { amd64: 'bento/debian-12', arm64: 'bento/debian-12-arm64' },
  installsPackages: true,
  sharesHostKernel: false,
  loopbackResolver: false,
  // Vagrant's `vm.disk` does it for VirtualBox, but VirtualBox cannot run here to try it: not yet.
  ownDisks: false,
  netmaskAsPrefix: false,
  defaultSyncedFolder: undefined,
  defaultSystemImages: 'rancher',
  privateNetworkRange: {
    cidr: '192.168.56.0/21',
    why: 'VirtualBox 7 only allows host-only networks inside 192.168.56.0/21 by default',
    hint: 'allow the range in /etc/vbox/networks.conf, or use 192.168.56.0/24',
  },
  vagrantSettings: (model) => ({ ...model.provider.virtualbox }),
};
