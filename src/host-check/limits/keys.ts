import { sysctlLimit } from '../limit.js';

// Every container Docker starts takes a session keyring of root's: RKE's system containers and
// each pod's containers. Measured with CI's five-node lab: 125 keys for the five nodes.
export const rootKeys = sysctlLimit({
  name: 'keys',
  what: "root's keys in the kernel keyring (a container that cannot get one does not start)",
  unit: 'keys',
  sysctl: 'kernel.keys.root_maxkeys',
  cost: { node: 30, bare: 5 },
  used: (r) => r.rootKeys,
  recommended: 1000000,
});
