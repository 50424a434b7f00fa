import os from 'node:os';
import { KubelabError } from '../errors.js';
import { pause } from '../exec/processes.js';

/** The host interface that has `address`, or undefined while there is none. */
export function interfaceWith(address: string): string | undefined {
  for (const [name, addresses] of Object.entries(os.networkInterfaces())) {
    if (addresses?.some((a) => a.family === 'IPv4' && a.address === address)) return name;
  }
  return undefined;
}

/**
 * Waits until the host has its address on the lab's private network. The provider creates that
 * network (a Docker network, a host-only adapter, a libvirt network) as the first machine starts,
 * so the services can only bind once it is there; `until` ends the wait (the machines are up).
 */
export async function waitForHostAddress(address: string, cidr: string, until: { done: () => boolean; signal: AbortSignal }): Promise<string> {
  for (;;) {
    const name = interfaceWith(address);
    if (name !== undefined) return name;
    if (until.signal.aborted) throw new KubelabError(`interrupted while waiting for the host's address ${address}`);
    if (until.done()) {
      throw new KubelabError(`the host has no address ${address} on the lab's private network ${cidr}, so the registry and caches cannot listen there`, {
        hint: `the provider creates the network, and gives the host its first address, with the lab's first machine: run \`kubelab apply\` (or \`apply --machines-only\`) first; \`ip -4 addr\` shows the host's addresses`,
      });
    }
    await pause(250);
  }
}
