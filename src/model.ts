import type { HostServiceSettings } from './host-services/services/index.js';
import type { SourcePath } from './input/source.js';
import { ROLES, type Arch, type CniPlugin, type ProviderType, type Role, type SystemImages, type Taint } from './vocabulary.js';

/** The lab after validation and normalization: every default resolved, every decision made. */
export interface LabModel {
  name: string;
  /** The spec's path relative to the output folder, as written in headers. */
  specPath: string;
  kubernetesVersion: string;
  rkeVersion: string;
  arch: Arch;
  provider: ProviderModel;
  network: NetworkModel;
  nodes: NodeModel[];
  cni: { plugin: CniPlugin; options: Record<string, string> };
  /** Key paths relative to the output folder; `managed` when kubelab creates the pair itself. */
  ssh: { user: string; privateKeyPath: string; publicKeyPath: string; managed: boolean };
  proxy: ProxyModel | undefined;
  registryMirror: { url: string; host: string; insecure: boolean } | undefined;
  images: ImagesModel;
  hostServices: HostServicesModel;
  /**
   * The lab's one address for the Kubernetes API: haproxy on the loadbalancer machine in front of
   * every kube-apiserver. Made whenever the lab has two or more controlplane nodes, or a node with the
   * loadbalancer role; undefined otherwise (clients then use RKE's first controlplane node).
   */
  apiEndpoint: ApiEndpointModel | undefined;
}

export interface ApiEndpointModel {
  /** The loadbalancer machine's node name. */
  node: string;
  address: string;
  port: number;
  /** Every controlplane node, in the lab's order: haproxy's servers. */
  backends: { name: string; ip: string }[];
  /**
   * haproxy's health check of each API server: an HTTPS GET of its readiness (`/readyz`) every
   * `intervalMs`; `fall` failures in a row take the server out, `rise` successes put it back.
   */
  check: { path: string; intervalMs: number; timeoutMs: number; fall: number; rise: number };
}

/**
 * What kubelab runs on the host for the lab, each listening only on the host's address in the
 * private network: each service's settings under its key (src/host-services/services/), undefined
 * when the spec turns it off.
 */
export interface HostServicesModel extends HostServiceSettings {
  /** The host's address on the private network: its first address, which every provider gives the host. */
  address: string;
}

export interface ProviderModel {
  type: ProviderType;
  /** Vagrant box; undefined for docker, which starts an image instead. */
  box: string | undefined;
  /** Synced-folder type to pass to Vagrant, undefined for the provider's own default. */
  syncedFolderType: 'rsync' | 'nfs' | undefined;
  virtualbox: { linkedClone: boolean; gui: boolean };
  libvirt: { driver: 'kvm' | 'qemu'; storagePool: string };
  docker: { image: string };
}

export interface NetworkModel {
  cidr: string;
  netmask: string;
  prefix: number;
  /** Interface inside the machines that carries the private network. */
  interface: string;
}

/** How kubelab and RKE log in to one node over ssh. */
export interface NodeAccessModel {
  /** The address ssh connects to: the node's private address on machines kubelab makes. */
  host: string;
  port: number;
  user: string;
  /** Relative to the output folder. */
  privateKeyPath: string;
}

export interface NodeModel {
  name: string;
  /** Name of the machine at the provider (VirtualBox VM, libvirt domain, docker container). */
  machineName: string;
  roles: Role[];
  cpus: number;
  memoryMiB: number;
  /** The node's address on the private network, which carries the cluster's traffic. */
  ip: string;
  ssh: NodeAccessModel;
  labels: Record<string, string>;
  taints: Taint[];
  /** Where in the spec this node was declared, for messages. */
  source: SourcePath;
  /** The size of etcd's own data disk (src/etcd-disk.ts), on etcd nodes of providers that give machines disks. */
  etcdDiskGiB?: number;
  /** Made by kubelab, not written in the spec: the loadbalancer machine of two or more controlplane nodes. */
  added?: boolean;
}

export interface ProxyModel {
  http: string | undefined;
  https: string | undefined;
  /** Everything that must bypass the proxy: the user's list plus the lab's own addresses. */
  noProxy: string[];
}

export interface ImagesModel {
  /** Host folder of the tarballs, relative to the output folder. */
  hostDir: string;
  /**
   * How the tarballs reach the nodes: pushed to the lab registry, shared with every machine and
   * loaded on each, or not at all (no registry and `syncedFolder: none`).
   */
  delivery: 'registry' | 'tarballs' | 'none';
  /** Where the machines see the shared folder (delivery `tarballs`). */
  guestDir: string;
  /** Where the system images come from: `kit` (kubelab's offline kit) or `rancher` (RKE's, pulled). */
  system: SystemImages;
  /** With the kit: the file name of its tarball in the images folder (kitTarballName); else undefined. */
  kitTarball: string | undefined;
}

/** Roles in the order RKE lists them. */
export const ROLE_ORDER: readonly Role[] = ROLES;
