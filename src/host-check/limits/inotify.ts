import { sysctlLimit } from '../limit.js';

// Measured here (docker provider, RKE 1.32, 2026-12-07, CI's five-node lab): a node's kubelet,
// dockerd, containerd, systemd and its pods hold 14 to 24 inotify instances (the etcd+controlplane
// node the most), 81 for the five; a machine with Docker and no kubelet 7. The 8th kubelet on a
// host with 128 failed with "inotify_init: too many open files".
export const inotifyInstances = sysctlLimit({
  name: 'inotify-instances',
  what: "inotify instances per user (the kubelets' cAdvisor fails to start without one)",
  unit: 'instances',
  sysctl: 'fs.inotify.max_user_instances',
  cost: { node: 17, bare: 7 },
  used: (r) => r.inotify?.instances,
  recommended: 512,
});

// Measured with the same lab: 157 to 208 watches a node, 19 a machine without a kubelet.
export const inotifyWatches = sysctlLimit({
  name: 'inotify-watches',
  what: 'inotify watches per user (the kubelet and the pods watch files and folders)',
  unit: 'watches',
  sysctl: 'fs.inotify.max_user_watches',
  cost: { node: 210, bare: 20 },
  used: (r) => r.inotify?.watches,
  recommended: 524288,
});
