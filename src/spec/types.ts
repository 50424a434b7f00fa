/**
 * The spec as the schema guarantees it after defaults are filled in (schema/kubelab.schema.json).
 * Keys whose default depends on other keys (images.system, cni.plugin) stay optional here and are
 * resolved in normalize.
 */
import type { Arch, CniPlugin, ProviderType, Role, SyncedFolder, SystemImages, Taint } from '../vocabulary.js';

export type { Arch, CniPlugin, ProviderType, Role, SyncedFolder, SystemImages };
export type Memory = number | string;

export interface SpecNode {
  name: string;
  count?: number;
  roles: Role[];
  cpus?: number;
  memory?: Memory;
  ip?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
}

export interface SpecDocument {
  name: string;
  kubernetesVersion: string;
  rke: { version: string };
  arch: Arch;
  provider: {
    type: ProviderType;
    syncedFolder: SyncedFolder;
    virtualbox: { linkedClone: boolean; gui: boolean };
    libvirt: { driver: 'kvm' | 'qemu'; storagePool: string };
    docker: { image: string };
  };
  box?: string;
  network: { cidr: string; interface: string };
  defaults: { cpus: number; memory: Memory };
  nodes: SpecNode[];
  cni: { plugin?: CniPlugin; options: Record<string, string> };
  ssh: { user: string; privateKey?: string };
  proxy?: { http?: string; https?: string; noProxy: string[] };
  registryMirror?: { url: string; insecure: boolean };
  registry: { enabled: boolean; port: number; pullThrough: { enabled: boolean; port: number; upstream: string } };
  packageCache: { enabled?: boolean; port: number };
  images: { dir: string; system?: SystemImages };
}
