/**
 * etcd's data on a disk of its own, on labs whose machines can be given one (libvirt VMs): the
 * generated Vagrantfile attaches it to every etcd node, provision/etcd-disk.sh puts a device-mapper
 * device over it (a plain `linear` mapping) and mounts that where RKE keeps etcd's data, and
 * `kubelab fault disk-delay` swaps the mapping for dm-delay while the file system stays mounted.
 * etcd's fsyncs then wait as they would on a slow disk, and nothing else of the node does.
 */
export const ETCD_DISK = {
  /** The disk's serial: the VM sees it as /dev/disk/by-id/virtio-SERIAL, whatever its letter. */
  serial: 'kubelab-etcd',
  /** /dev/mapper/NAME: the device-mapper device the file system is on. */
  mapper: 'kubelab-etcd',
  /** Where RKE's etcd keeps its data on the node (bind-mounted into its container). */
  mountPoint: '/var/lib/etcd',
  /** A sparse qcow2 file: it takes on the host only what etcd writes. */
  sizeGiB: 4,
} as const;
