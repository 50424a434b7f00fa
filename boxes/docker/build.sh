#!/usr/bin/env bash
# build.sh: build the kubelab box image for Vagrant's docker provider.
#
# Offline except for Debian's package mirror: debootstraps Debian bookworm,
# turns it into a "Vagrant box" (user vagrant with passwordless sudo and
# Vagrant's insecure public key, sshd, systemd as PID 1 via
# /usr/local/sbin/kubelab-init, container-irrelevant units masked, the
# runc-drop-caps wrapper for a nested Docker) and `docker import`s it.
# Nothing is pulled from any container registry.
#
# Usage: boxes/docker/build.sh [--force] [--no-cache] [IMAGE]
#   IMAGE        image name (default $KUBELAB_BOX_IMAGE or
#                kubelab/debian-bookworm:latest)
#   --force      rebuild even if the image already exists
#   --no-cache   debootstrap again instead of reusing the cached rootfs
#
# Environment:
#   KUBELAB_BOX_IMAGE        image name (see above)
#   KUBELAB_DEBIAN_MIRROR    default http://deb.debian.org/debian
#   KUBELAB_SECURITY_MIRROR  default http://deb.debian.org/debian-security
#   KUBELAB_CACHE_DIR        default ${XDG_CACHE_HOME:-~/.cache}/kubelab
#   TMPDIR                   where the temporary rootfs is built (/var/tmp)
#
# Needs root, debootstrap and a running dockerd (scripts/ensure-dockerd.sh
# is called if `docker info` fails).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=../lib/debian-rootfs.sh
source "$SCRIPT_DIR/../lib/debian-rootfs.sh"

IMAGE="${KUBELAB_BOX_IMAGE:-kubelab/debian-bookworm:latest}"
# What provisioning would otherwise install on every node, each time a machine is made (apt-get
# update and ~60 MB of packages per node; most of a lab's machines phase): Docker for RKE, the CNI
# plugins, haproxy for the lab's API endpoint. Provisioning still checks for each and installs what
# is missing (VM boxes do not carry them). Their services stay disabled: provisioning enables what a
# node's role needs.
INCLUDE=("${BOX_PACKAGES[@]}" docker.io containernetworking-plugins haproxy)
PRESENT_BUT_DISABLED=(docker.service docker.socket containerd.service haproxy.service)
# Units that make no sense in a container (no ttys, no udev, no kernel
# modules, host-global sysctls, no fstab, no periodic apt runs racing with
# provisioning).
MASK_UNITS=(
  getty.target console-getty.service getty@tty1.service
  serial-getty@ttyS0.service
  systemd-udevd.service systemd-udevd-control.socket
  systemd-udevd-kernel.socket systemd-udev-trigger.service
  systemd-udev-settle.service systemd-hwdb-update.service
  systemd-modules-load.service systemd-sysctl.service
  systemd-remount-fs.service systemd-firstboot.service
  sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount
  sys-fs-fuse-connections.mount dev-hugepages.mount
  proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount
  systemd-binfmt.service systemd-journald-audit.socket
  apt-daily.timer apt-daily-upgrade.timer apt-daily.service
  apt-daily-upgrade.service e2scrub_all.timer e2scrub_reap.service
  fstrim.timer
)

parse_box_args "$@"
IMAGE="${BOX_NAME:-$IMAGE}"

[[ "$(id -u)" == 0 ]] || die "must run as root (debootstrap, chroot)"

if ! docker info >/dev/null 2>&1; then
  step "docker is not answering; running scripts/ensure-dockerd.sh"
  "$REPO_DIR/scripts/ensure-dockerd.sh" --no-check
fi

# The box carries files of this repository (kubelab-init, the runc wrapper): an image built from
# other versions of them is stale, and is rebuilt.
INPUTS_LABEL=org.kubelab.box.inputs
INPUTS="$(cat "$0" "$SCRIPT_DIR/../lib/debian-rootfs.sh" "$SCRIPT_DIR/kubelab-init" "$REPO_DIR/scripts/runc-drop-caps" | sha256sum | cut -c1-16)"
if [[ "$FORCE" == 0 ]] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  built_from="$(docker image inspect --format "{{index .Config.Labels \"$INPUTS_LABEL\"}}" "$IMAGE")"
  if [[ "$built_from" == "$INPUTS" ]]; then
    step "image $IMAGE is up to date; nothing to do (use --force to rebuild)"
    exit 0
  fi
  step "image $IMAGE was built from other versions of its files; rebuilding"
fi

ARCH="$(dpkg --print-architecture)"
start_work kubelab-box
ROOT="$WORK/rootfs"

# --- 1. debootstrap (or reuse the cached rootfs) -----------------------------
debootstrap_rootfs "$ROOT"

# --- 2. customise -------------------------------------------------------------
configure_apt "$ROOT"
add_vagrant_user "$ROOT"
configure_sshd "$ROOT"

step "systemd: machine-id, default target, masking container-irrelevant units"
reset_machine_id "$ROOT"
chroot "$ROOT" systemctl disable "${PRESENT_BUT_DISABLED[@]}" >/dev/null 2>&1 ||
  die "could not disable ${PRESENT_BUT_DISABLED[*]} in the box"
chroot "$ROOT" systemctl mask "${MASK_UNITS[@]}" >/dev/null 2>&1 ||
  for u in "${MASK_UNITS[@]}"; do chroot "$ROOT" systemctl mask "$u" >/dev/null 2>&1 || true; done
: >"$ROOT/etc/hostname"
echo '# kubelab box: no fstab, Docker provides the mounts' >"$ROOT/etc/fstab"

step "installing kubelab-init and runc-drop-caps"
install -D -m 0755 "$SCRIPT_DIR/kubelab-init" "$ROOT/usr/local/sbin/kubelab-init"
install -D -m 0755 "$REPO_DIR/scripts/runc-drop-caps" "$ROOT/usr/local/bin/runc-drop-caps"
# A Docker installed later inside the box (apt-get install docker.io) starts
# with the wrapper as its default runtime, so --privileged works there too.
# "dns": the box's resolver is Docker's embedded DNS at 127.0.0.11; a nested
# dockerd drops loopback resolvers and would hand its containers 8.8.8.8 and
# 8.8.4.4 instead. 127.0.0.11 works for --network host containers (the box's
# netns, e.g. RKE's system containers) and fails fast, locally, elsewhere.
# Provisioning that writes its own daemon.json must merge into this one.
mkdir -p "$ROOT/etc/docker"
cat >"$ROOT/etc/docker/daemon.json" <<'EOF'
{
  "runtimes": {
    "kubelab-runc": {
      "path": "/usr/local/bin/runc-drop-caps"
    }
  },
  "default-runtime": "kubelab-runc",
  "dns": ["127.0.0.11"]
}
EOF

write_box_release "$ROOT" docker

clean_rootfs "$ROOT"

# --- 3. import ------------------------------------------------------------------
# `docker import --change STOPSIGNAL` is refused by Docker < 23, so import the
# rootfs as an untagged image and add STOPSIGNAL (systemd halts on
# SIGRTMIN+3; SIGTERM would only make it re-execute) with a one-line
# Dockerfile built by the classic builder: no registry involved.
old_id="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
step "docker import (rootfs -> untagged image)"
base_id="$(tar -C "$ROOT" --numeric-owner --xattrs --xattrs-include='*' -cf - . |
  docker import \
    --change 'CMD ["/usr/local/sbin/kubelab-init"]' \
    --change 'ENV container=docker' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'LABEL org.kubelab.box=debian-bookworm' \
    --message "kubelab box ($SUITE, built by boxes/docker/build.sh)" \
    -)"
step "adding STOPSIGNAL SIGRTMIN+3 -> $IMAGE"
if ! out="$(printf 'FROM %s\nSTOPSIGNAL SIGRTMIN+3\nLABEL %s=%s\n' "$base_id" "$INPUTS_LABEL" "$INPUTS" |
  DOCKER_BUILDKIT=0 docker build --quiet --tag "$IMAGE" - 2>&1)"; then
  echo "$out" >&2
  die "docker build (STOPSIGNAL layer) failed"
fi
new_id="$(docker image inspect --format '{{.Id}}' "$IMAGE")"
if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then
  # The previous build is now untagged; drop it unless a container uses it.
  docker rmi "$old_id" >/dev/null 2>&1 || true
fi

docker run --rm --entrypoint /bin/sh "$IMAGE" -c \
  'test -x /usr/local/sbin/kubelab-init && test -x /usr/local/bin/runc-drop-caps && id vagrant >/dev/null' ||
  die "sanity check of $IMAGE failed"

size="$(docker image inspect --format '{{.Size}}' "$IMAGE")"
step "done: $IMAGE ($((size / 1024 / 1024)) MiB) in $((SECONDS - START))s"
