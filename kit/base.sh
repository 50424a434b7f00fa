#!/usr/bin/env bash
# kit/base.sh: the Debian userland every kit image starts FROM (no image can be pulled here).
#
# Usage: kit/base.sh IMAGE
# debootstraps Debian bookworm (minbase) with what RKE's containers run besides their own program
# (iptables in both modes, mount, conntrack, nginx with the stream module, ncat, …), adds Debian's
# docker CLI, and `docker import`s it as IMAGE. One base for all images: `docker save` writes a
# shared layer once, so the kit tarball carries this userland a single time.
#
# Environment: KUBELAB_DEBIAN_MIRROR, KUBELAB_SECURITY_MIRROR (as for boxes/docker/build.sh),
# TMPDIR. Needs root, debootstrap and a running dockerd.
set -euo pipefail

IMAGE="${1:?usage: base.sh IMAGE}"
SUITE=bookworm
MIRROR="${KUBELAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${KUBELAB_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
INCLUDE=(
  bash coreutils util-linux mount procps kmod findutils gawk grep sed tar gzip
  iptables ipset conntrack ebtables arptables ethtool socat iproute2 iputils-ping nftables
  ca-certificates netbase curl jq acl e2fsprogs
  nginx-light libnginx-mod-stream ncat
)

[[ "$(id -u)" == 0 ]] || { echo "base.sh: must run as root (debootstrap, chroot)" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/var/tmp}/kubelab-kit-base.XXXXXX")"
ROOT="$WORK/rootfs"
cleanup() {
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(awk -v w="$WORK" 'index($2, w) == 1 {print $2}' /proc/self/mounts | sort -r)
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

echo "debootstrap $SUITE (minbase) from $MIRROR"
debootstrap --variant=minbase --include="$(IFS=,; echo "${INCLUDE[*]}")" "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
  tail -n 30 "$WORK/debootstrap.log" >&2
  exit 1
}
cat >"$ROOT/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
SOURCES

# RKE's entrypoint calls /opt/rke-tools/bin/docker: Debian's CLI, taken out of its package alone,
# without the daemon and containerd it depends on.
echo "adding Debian's docker CLI"
mount -t proc proc "$ROOT/proc"
chroot "$ROOT" sh -c 'apt-get update -q >/dev/null && cd /tmp && apt-get download -q docker.io >/dev/null && dpkg-deb -x docker.io_*.deb /tmp/docker.io'
install -m 0755 "$ROOT/tmp/docker.io/usr/bin/docker" "$ROOT/usr/local/bin/docker"
umount "$ROOT/proc"

# RKE's scripts run under `sh -c` with bash syntax; its own tools image links sh to bash too.
ln -sf bash "$ROOT/bin/sh"
chroot "$ROOT" /usr/local/bin/docker --version >/dev/null
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/* "$ROOT"/var/log/* "$ROOT"/tmp/* \
  "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* "$ROOT"/usr/share/locale/*
# nginx's package starts nothing in a chroot, but leaves a default site that listens on :80.
rm -f "$ROOT"/etc/nginx/sites-enabled/default

echo "docker import -> $IMAGE"
tar -C "$ROOT" --numeric-owner -cf - . |
  docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' --message "kubelab kit base ($SUITE)" - "$IMAGE" >/dev/null
