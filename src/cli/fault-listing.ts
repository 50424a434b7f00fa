import type { CommandModule } from 'yargs';

/**
 * How `kubelab --help` lists the fault command without loading every fault family, which the real
 * command (./fault.ts) builds its subcommands from; a test holds the two descriptions equal.
 */
export const faultListing: CommandModule = {
  command: 'fault',
  describe:
    "Break the running lab on purpose: stop, crash or freeze nodes, cut or slow the network, kill, stop or pause components, fill disks, hog CPU or memory, move nodes' clocks, slow etcd's own disk",
  handler: () => undefined,
};
