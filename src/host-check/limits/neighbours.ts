import { sysctlLimit } from '../limit.js';

// The neighbour (ARP) table is the host's, whatever network namespace an entry is in: every node
// knows the other nodes, its pods and its gateways. Measured with CI's five-node lab: 74 entries
// for the five.
export const neighbours = sysctlLimit({
  name: 'neighbours',
  what: 'entries in the ARP table (past it, the kernel drops neighbours and packets to them)',
  unit: 'entries',
  sysctl: 'net.ipv4.neigh.default.gc_thresh3',
  cost: { node: 20, bare: 5 },
  used: (r) => r.arpEntries,
  recommended: 8192,
});
