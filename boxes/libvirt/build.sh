#!/usr/bin/env bash
# build.sh: build the kubelab box for the libvirt provider (vagrant-libvirt).
#
# Offline except for Debian's package mirror: debootstraps Debian bookworm with
# a kernel, writes it into a 20 GiB disk (MBR, GRUB, ext4 root, a swap
# partition like the usual Vagrant boxes have, which provisioning must turn
# off), converts it to qcow2, packages it as a vagrant-libvirt box and
# `vagrant box add`s it. The machines get DHCP on eth0 (Vagrant's management
# network) and sshd with Vagrant's insecure key, which Vagrant replaces.
#
# Usage: boxes/libvirt/build.sh [--force] [--no-cache] [BOX]
#   BOX          box name (default $KUBELAB_LIBVIRT_BOX or kubelab/debian-bookworm)
#   --force      rebuild even if the box is there and up to date
#   --no-cache   debootstrap again instead of reusing the cached rootfs
#
# Environment:
#   KUBELAB_LIBVIRT_BOX      box name (see above)
#   KUBELAB_DEBIAN_MIRROR    default http://deb.debian.org/debian
#   KUBELAB_SECURITY_MIRROR  default http://deb.debian.org/debian-security
#   KUBELAB_CACHE_DIR        default ${XDG_CACHE_HOME:-~/.cache}/kubelab
#   VAGRANT_HOME             where Vagrant keeps its boxes (~/.vagrant.d)
#   TMPDIR                   where the disk is built (/var/tmp; needs ~3 GB)
#
# Needs root (debootstrap, chroot), qemu-img, mkfs.ext4 and sfdisk, and
# Vagrant with the vagrant-libvirt plugin. Needs no loop device and no mount.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../lib/debian-rootfs.sh
source "$SCRIPT_DIR/../lib/debian-rootfs.sh"

BOX="${KUBELAB_LIBVIRT_BOX:-kubelab/debian-bookworm}"
# What provisioning would otherwise install inside every VM (docker.sh, cni.sh, etcd-disk.sh): under software
# emulation (TCG) an apt-get install there takes minutes a machine, here seconds, once a box.
INCLUDE=(
  "${BOX_PACKAGES[@]}"
  linux-image-amd64 grub-pc-bin udev e2fsprogs ifupdown isc-dhcp-client dmsetup
  docker.io apparmor containernetworking-plugins
)
DISK_GIB=20
SWAP_MIB=256

parse_box_args "$@"
BOX="${BOX_NAME:-$BOX}"

[[ "$(id -u)" == 0 ]] || die "must run as root (debootstrap, chroot)"
for tool in qemu-img mkfs.ext4 sfdisk mkswap vagrant; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install qemu-utils e2fsprogs fdisk vagrant vagrant-libvirt)"
done
ARCH="$(dpkg --print-architecture)"
[[ "$ARCH" == amd64 ]] || die "the libvirt box is built for amd64 only (GRUB for BIOS); this machine is $ARCH"

# A box made from other versions of these files is stale: the inputs' hash goes into the box, and
# Vagrant keeps it beside the disk.
INPUTS="$(cat "$0" "$SCRIPT_DIR/../lib/debian-rootfs.sh" | sha256sum | cut -c1-16)"
BOX_DIR="${VAGRANT_HOME:-$HOME/.vagrant.d}/boxes/${BOX//\//-VAGRANTSLASH-}/0/libvirt"
if [[ "$FORCE" == 0 && -f "$BOX_DIR/kubelab-box-inputs" ]]; then
  if [[ "$(cat "$BOX_DIR/kubelab-box-inputs")" == "$INPUTS" ]]; then
    step "box $BOX (libvirt) is up to date; nothing to do (use --force to rebuild)"
    exit 0
  fi
  step "box $BOX (libvirt) was built from other versions of its files; rebuilding"
fi

start_work kubelab-libvirt-box
ROOT="$WORK/rootfs"

# --- 1. debootstrap (or reuse the cached rootfs) -----------------------------
debootstrap_rootfs "$ROOT"

# --- 2. customise -------------------------------------------------------------
configure_apt "$ROOT"
add_vagrant_user "$ROOT"
configure_sshd "$ROOT"
reset_machine_id "$ROOT"

step "network: eth0 by DHCP (Vagrant configures the private interface itself)"
echo vagrant-bookworm >"$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tvagrant-bookworm\n' >"$ROOT/etc/hosts"
cat >"$ROOT/etc/network/interfaces" <<'EOF'
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

allow-hotplug eth0
iface eth0 inet dhcp
EOF

step "disks: root on vda1, swap on vda2"
cat >"$ROOT/etc/fstab" <<'EOF'
LABEL=root / ext4 errors=remount-ro 0 1
LABEL=swap none swap sw 0 0
EOF

# Host keys are removed from the box; each machine makes its own before sshd first starts. Only
# Ed25519 and ECDSA: an RSA key took 1 min 43 s of a first boot under software emulation (TCG),
# with sshd, and so Vagrant, waiting for it; every client kubelab uses (OpenSSH, Vagrant's net-ssh,
# RKE's Go ssh) takes ECDSA.
cat >"$ROOT/etc/ssh/sshd_config.d/20-host-keys.conf" <<'EOF'
# kubelab box: the host keys each machine makes at its first boot
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
EOF
cat >"$ROOT/etc/systemd/system/kubelab-ssh-host-keys.service" <<'EOF'
[Unit]
Description=kubelab box: SSH host keys of this machine
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'for t in ecdsa ed25519; do f=/etc/ssh/ssh_host_$${t}_key; [ -e "$$f" ] || ssh-keygen -q -t "$$t" -N "" -f "$$f"; done'

[Install]
WantedBy=multi-user.target
EOF
chroot "$ROOT" systemctl enable kubelab-ssh-host-keys.service >/dev/null 2>&1
# No periodic apt runs racing with provisioning.
chroot "$ROOT" systemctl mask apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1

step "GRUB (BIOS) configuration"
mkdir -p "$ROOT/boot/grub/i386-pc"
cp "$ROOT"/usr/lib/grub/i386-pc/*.mod "$ROOT"/usr/lib/grub/i386-pc/*.lst "$ROOT/boot/grub/i386-pc/"
# net.ifnames=0: eth0 and eth1, the names kubelab's network.interface expects.
cat >"$ROOT/boot/grub/grub.cfg" <<'EOF'
set timeout=0
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
menuentry 'Debian bookworm (kubelab box)' {
  insmod part_msdos
  insmod ext2
  insmod gzio
  search --no-floppy --label --set=root root
  linux /vmlinuz root=LABEL=root ro console=tty0 console=ttyS0,115200 net.ifnames=0 biosdevname=0
  initrd /initrd.img
}
EOF
chroot "$ROOT" grub-mkimage -O i386-pc -o /tmp/core.img -p '(hd0,msdos1)/boot/grub' \
  biosdisk part_msdos ext2 normal linux boot configfile serial terminal echo test gzio search search_label
mv "$ROOT/tmp/core.img" "$WORK/core.img"
cp "$ROOT/usr/lib/grub/i386-pc/boot.img" "$WORK/boot.img"

write_box_release "$ROOT" libvirt
clean_rootfs "$ROOT"

# --- 3. disk ----------------------------------------------------------------------
# mkfs.ext4 -d fills the file system from the rootfs and -E offset writes it in place in the disk
# file, so no loop device, partition node or mount is needed.
DISK="$WORK/disk.raw"
SECTOR=512
ROOT_START=2048
SWAP_SECTORS=$((SWAP_MIB * 1024 * 1024 / SECTOR))
TOTAL_SECTORS=$((DISK_GIB * 1024 * 1024 * 1024 / SECTOR))
ROOT_SECTORS=$((TOTAL_SECTORS - ROOT_START - SWAP_SECTORS))
SWAP_START=$((ROOT_START + ROOT_SECTORS))
step "partitioning a ${DISK_GIB} GiB disk"
truncate -s "$((TOTAL_SECTORS * SECTOR))" "$DISK"
printf 'label: dos\nstart=%d, size=%d, type=83, bootable\nstart=%d, size=%d, type=82\n' \
  "$ROOT_START" "$ROOT_SECTORS" "$SWAP_START" "$SWAP_SECTORS" | sfdisk -q "$DISK"
step "ext4 root file system from the rootfs"
mkfs.ext4 -q -F -L root -E offset=$((ROOT_START * SECTOR)) -d "$ROOT" "$DISK" "$((ROOT_SECTORS * SECTOR / 1024))k"
step "swap partition"
truncate -s "$((SWAP_SECTORS * SECTOR))" "$WORK/swap.img"
mkswap -q -L swap "$WORK/swap.img" >/dev/null
dd if="$WORK/swap.img" of="$DISK" bs=$SECTOR seek="$SWAP_START" conv=notrunc,sparse status=none
step "GRUB boot code"
# The MBR's first 440 bytes are boot code; the partition table after them stays.
dd if="$WORK/boot.img" of="$DISK" bs=440 count=1 conv=notrunc status=none
dd if="$WORK/core.img" of="$DISK" bs=$SECTOR seek=1 conv=notrunc status=none

# --- 4. box ----------------------------------------------------------------------
step "qcow2 image"
mkdir -p "$WORK/box"
qemu-img convert -O qcow2 "$DISK" "$WORK/box/box.img"
rm -f "$DISK"
printf '{"provider":"libvirt","format":"qcow2","virtual_size":%d}\n' "$DISK_GIB" >"$WORK/box/metadata.json"
cat >"$WORK/box/Vagrantfile" <<'EOF'
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |libvirt|
    libvirt.disk_bus = "virtio"
  end
end
EOF
echo "$INPUTS" >"$WORK/box/kubelab-box-inputs"
step "packaging the box"
tar -C "$WORK/box" -cf "$WORK/kubelab.box" metadata.json Vagrantfile kubelab-box-inputs box.img
rm -f "$WORK/box/box.img"
step "vagrant box add $BOX (libvirt)"
vagrant box add --force --name "$BOX" --provider libvirt "$WORK/kubelab.box" >"$WORK/box-add.log" 2>&1 || {
  cat "$WORK/box-add.log" >&2
  die "vagrant box add failed"
}

# vagrant-libvirt uploads a box into the storage pool once, as a volume named after the box and its
# time; the volumes of earlier builds stay there. Those no machine's disk is backed by are removed.
remove_stale_volumes() {
  local prefix="${BOX//\//-VAGRANTSLASH-}_vagrant_box_image_" uri=qemu:///system pool vol path used domain disk
  virsh -c "$uri" version >/dev/null 2>&1 || return 0
  used="$(for domain in $(virsh -c "$uri" list --all --name); do
    for disk in $(virsh -c "$uri" domblklist "$domain" --details | awk '$2 == "disk" {print $4}'); do
      qemu-img info -U --backing-chain "$disk" 2>/dev/null | sed -n 's/^backing file: //p'
    done
  done)"
  for pool in $(virsh -c "$uri" pool-list --name); do
    while read -r vol path; do
      [[ "$vol" == "$prefix"* ]] || continue
      if grep -qxF "$path" <<<"$used"; then continue; fi
      virsh -c "$uri" vol-delete --pool "$pool" "$vol" >/dev/null && step "removed the earlier upload $vol from pool $pool"
    done < <(virsh -c "$uri" vol-list "$pool" | awk 'NR > 2 && NF == 2 {print $1, $2}')
  done
}
remove_stale_volumes

size="$(du -m "$BOX_DIR/box.img" | cut -f1)"
step "done: $BOX (libvirt, ${size} MiB) in $((SECONDS - START))s"
