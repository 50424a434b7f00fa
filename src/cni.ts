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
}

export const CNI: Record<CniPlugin, CniFacts> = {
  canal: {
    interfaceOption: 'canal_iface',
    picksOwnAddress: false,
    notInKit: 'the offline kit has no images for canal: canal is calico with flannel, and calico cannot be built offline',
  },
  flannel: { interfaceOption: 'flannel_iface', picksOwnAddress: false, notInKit: undefined },
  calico: { interfaceOption: undefined, picksOwnAddress: true, notInKit: 'the offline kit has no calico images: calico cannot be built offline' },
  none: { interfaceOption: undefined, picksOwnAddress: false, notInKit: undefined },
};

/** The plugin a spec gets when it names none: the kit's own, else RKE's default. */
export function defaultCniPlugin(fromKit: boolean): CniPlugin {
  return fromKit ? 'flannel' : 'canal';
}
