import type { LabModel } from '../model.js';
import type { Arch, ProviderType, SystemImages } from '../vocabulary.js';

/**
 * What kubelab knows about a Vagrant provider, as data: the only part of a provider that spec/ and
 * generators/ may read. Generators ask what a provider means (sharesHostKernel), never its name.
 */
export interface ProviderFacts {
  type: ProviderType;
  /** The NAT (or management) network every machine gets as its first interface. */
  natCidr: string;
  natName: string;
  /** false: the provider starts something else than a Vagrant box (the docker provider, an image). */
  usesBox: boolean;
  defaultBox: Record<Arch, string | undefined>;
  /** Provisioning installs packages with apt (Docker), so a package cache on the host pays off. */
  installsPackages: boolean;
  /**
   * The machines are containers on the host's kernel: swap, kernel modules, sysctls and conntrack
   * limits are the host's, and the kubelet sees the host's capacity.
   */
  sharesHostKernel: boolean;
  /**
   * The machine's resolver is a loopback address (Docker's embedded DNS, 127.0.0.11), which pods
   * would take for themselves: the nodes need a resolver on their own address for the kubelet.
   */
  loopbackResolver: boolean;
  /**
   * The Vagrantfile can give a machine a disk of its own, which its kernel sees as a block device:
   * etcd nodes get one for etcd's data (src/etcd-disk.ts), where disk faults act.
   */
  ownDisks: boolean;
  /** Vagrant passes the private network's netmask on as it is, and the provider wants a prefix length. */
  netmaskAsPrefix: boolean;
  /** The synced-folder type `syncedFolder: default` means; undefined: Vagrant's own default. */
  defaultSyncedFolder: 'rsync' | undefined;
  /** Where the cluster's images come from when the spec does not say. */
  defaultSystemImages: SystemImages;
  /** A range the private network should lie in, with why and how to widen it. */
  privateNetworkRange?: { cidr: string; why: string; hint: string };
  /** The provider's own block of the Vagrantfile (templates/Vagrantfile.hbs), under its type's name. */
  vagrantSettings(model: LabModel): Record<string, unknown>;
}
