import type { CniPlugin } from './vocabulary.js';

/** What kubelab knows about each network plugin RKE can install. */
export interface CniFacts {
  /** cluster.yml's network option that binds the plugin to an interface; undefined: it has none. */
  interfaceOption: string | undefined;
  /**
   * The plugin picks each node's address itself and may pick the NAT interface, which has the same
   * address on every machine.
   */
  picksOwnAddress: boolean;
  /** Why the offline kit has no images for it; undefined: the kit has them. */
  notInKit: string | undefined;
  /** RKE's system_images keys of the images its DaemonSet runs on every node. */
  nodeImageKeys: readonly string[];
}

export const CNI: Record<CniPlugin, CniFacts> = {
  canal: {
    interfaceOption: 'canal_iface',
    picksOwnAddress: false,
    notInKit: 'the offline kit has no images for canal: canal is calico with flannel, and calico cannot be built offline',
    nodeImageKeys: ['canal_node', 'canal_cni', 'canal_flannel', 'canal_flexvol'],
  },
  flannel: { interfaceOption: 'flannel_iface', picksOwnAddress: false, notInKit: undefined, nodeImageKeys: ['flannel', 'flannel_cni'] },
  calico: {
    interfaceOption: undefined,
    picksOwnAddress: true,
    notInKit: 'the offline kit has no calico images: calico cannot be built offline',
    nodeImageKeys: ['calico_node', 'calico_cni', 'calico_flexvol'],
  },
  none: { interfaceOption: undefined, picksOwnAddress: false, notInKit: undefined, nodeImageKeys: [] },
};

/** The plugin a spec gets when it names none: the kit's own, else RKE's default. */
export function defaultCniPlugin(fromKit: boolean): CniPlugin {
  return fromKit ? 'flannel' : 'canal';
}
