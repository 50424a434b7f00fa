/**
 * The words a spec is made of, defined once: the TypeScript types derive from these lists, and a test
 * holds them equal to the schema's enums (test/vocabulary.test.ts).
 */
export const PROVIDER_TYPES = ['virtualbox', 'libvirt', 'docker'] as const;
/**
 * What a machine of the lab is for: RKE's three roles, and `loadbalancer`, the machine that carries the
 * lab's API endpoint (haproxy in front of every kube-apiserver) and is no Kubernetes node.
 */
export const ROLES = ['etcd', 'controlplane', 'worker', 'loadbalancer'] as const;
/** The roles RKE knows: a machine with any of them is a Kubernetes node. */
export const RKE_ROLES = ['etcd', 'controlplane', 'worker'] as const satisfies readonly Role[];
export const CNI_PLUGINS = ['canal', 'flannel', 'calico', 'none'] as const;
/** Where the cluster's system images come from: kubelab's offline kit, or RKE's published images. */
export const SYSTEM_IMAGES = ['kit', 'rancher'] as const;
export const ARCHES = ['amd64', 'arm64'] as const;
export const SYNCED_FOLDERS = ['default', 'rsync', 'nfs', 'none'] as const;

export type ProviderType = (typeof PROVIDER_TYPES)[number];
export type Role = (typeof ROLES)[number];
export type RkeRole = (typeof RKE_ROLES)[number];

/** Whether a machine with these roles is a Kubernetes node (RKE installs it), rather than the endpoint's machine. */
export const isKubernetesNode = (roles: readonly Role[]): boolean => roles.some((r) => r !== 'loadbalancer');
export type CniPlugin = (typeof CNI_PLUGINS)[number];
export type SystemImages = (typeof SYSTEM_IMAGES)[number];
export type Arch = (typeof ARCHES)[number];
export type SyncedFolder = (typeof SYNCED_FOLDERS)[number];

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export interface Taint {
  key: string;
  value?: string;
  effect: (typeof TAINT_EFFECTS)[number];
}

/** The providers `kubelab box build` makes a box for: each has boxes/<provider>/build.sh. */
export const BOX_PROVIDERS = ['docker', 'libvirt'] as const satisfies readonly ProviderType[];
export type BoxProvider = (typeof BOX_PROVIDERS)[number];
