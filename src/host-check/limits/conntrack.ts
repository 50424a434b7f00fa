import { sysctlLimit, sysctlNumber } from '../limit.js';

// kube-proxy on the docker provider leaves nf_conntrack_max alone (conntrack-max-per-core: 0): the
// table is the host's, for every node's connections. Measured with CI's five-node lab: 321 for the
// five; a node's pods add their own.
export const conntrack = sysctlLimit({
  name: 'conntrack',
  what: 'tracked connections (past it, new connections are dropped: "nf_conntrack: table full")',
  unit: 'connections',
  sysctl: 'net.netfilter.nf_conntrack_max',
  cost: { node: 100, bare: 10 },
  used: (r) => sysctlNumber(r, 'net.netfilter.nf_conntrack_count'),
  recommended: 262144,
});
