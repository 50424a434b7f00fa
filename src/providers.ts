import type { Arch, ProviderType } from './spec/types.js';

/** What kubelab knows about each Vagrant provider. */
export interface ProviderFacts {
  /** The NAT (or management) network every machine gets as its first interface. */
  natCidr: string;
  natName: string;
  defaultBox: Record<Arch, string | undefined>;
}

export const PROVIDERS: Record<ProviderType, ProviderFacts> = {
  virtualbox: {
    natCidr: '10.0.2.0/24',
    natName: "VirtualBox's NAT network",
    defaultBox: { amd64: 'bento/debian-12', arm64: 'bento/debian-12-arm64' },
  },
  libvirt: {
    natCidr: '192.168.121.0/24',
    natName: "vagrant-libvirt's management network",
    defaultBox: { amd64: 'generic/debian12', arm64: undefined },
  },
  docker: {
    natCidr: '172.17.0.0/16',
    natName: "Docker's default bridge",
    defaultBox: { amd64: undefined, arm64: undefined },
  },
};

/** VirtualBox 7 refuses host-only networks outside this range unless /etc/vbox/networks.conf allows them. */
export const VIRTUALBOX_HOSTONLY_RANGE = '192.168.56.0/21';

/** Pod and service networks RKE uses by default; they must bypass any proxy and must not collide. */
export const CLUSTER_CIDR = '10.42.0.0/16';
export const SERVICE_CIDR = '10.43.0.0/16';

/** Host addresses below this in the private network are left to the host and gateways. */
export const FIRST_NODE_HOST = 10;
