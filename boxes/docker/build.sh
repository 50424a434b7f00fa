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

IMAGE="${KUBELAB_BOX_IMAGE:-kubelab/debian-bookworm:latest}"
SUITE=bookworm
VARIANT=minbase
MIRROR="${KUBELAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${KUBELAB_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
CACHE_DIR="${KUBELAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubelab}"
INCLUDE=(
  systemd systemd-sysv dbus libpam-systemd openssh-server sudo
  iproute2 iputils-ping iptables netbase ca-certificates curl gnupg
  kmod procps jq less libcap2-bin dnsmasq-base rsync
)
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
# Vagrant's well-known insecure public key (used if Vagrant's copy is not
# found on this machine).
VAGRANT_INSECURE_PUBKEY='ssh-rsa AAAAB3NzaC1yc2EAAAABIwAAAQEA6NF8iallvQVp22WDkTkyrtvp9eWW6A8YVr+kz4TjGYe7gHzIw+niNltGEFHzD8+v1I2YJ6oXevct1YeS0o9HZyN1Q9qgCgzUFtdOKLv6IedplqoPkcmF0aYet2PkEDo3MlTBckFXPITAMzF8dJSIFo9D8HfdOV0IAdx4O7PtixWKn5y2hMNG0zQPyUecp4pzC6kivAIhyfHilFR61RGL+GPXQ2MWZWFYbAGjyiYJnAmCP3NOTd0jMZEnDkbUvxhMmBYSdETk1rRgm+R4LOzFUGaHqHDLKLX+FIPKcF96hrucXzcWyLbIbEgE98OHlnVYCzRdK8jlqm8tehUc9c9WhQ== vagrant insecure public key'

FORCE=0
USE_CACHE=1

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }

while (($#)); do
  case "$1" in
    --force | -f) FORCE=1 ;;
    --no-cache) USE_CACHE=0 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "build.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) IMAGE="$1" ;;
  esac
  shift
done

START=$SECONDS
step() { printf '==> [%3ds] %s\n' "$((SECONDS - START))" "$*"; }
die() { echo "build.sh: ERROR: $*" >&2; exit 1; }

[[ "$(id -u)" == 0 ]] || die "must run as root (debootstrap, chroot)"

if ! docker info >/dev/null 2>&1; then
  step "docker is not answering; running scripts/ensure-dockerd.sh"
  "$REPO_DIR/scripts/ensure-dockerd.sh" --no-check
fi

# The box carries files of this repository (kubelab-init, the runc wrapper): an image built from
# other versions of them is stale, and is rebuilt.
INPUTS_LABEL=org.kubelab.box.inputs
INPUTS="$(cat "$0" "$SCRIPT_DIR/kubelab-init" "$REPO_DIR/scripts/runc-drop-caps" | sha256sum | cut -c1-16)"
if [[ "$FORCE" == 0 ]] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  built_from="$(docker image inspect --format "{{index .Config.Labels \"$INPUTS_LABEL\"}}" "$IMAGE")"
  if [[ "$built_from" == "$INPUTS" ]]; then
    step "image $IMAGE is up to date; nothing to do (use --force to rebuild)"
    exit 0
  fi
  step "image $IMAGE was built from other versions of its files; rebuilding"
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  step "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
fi

ARCH="$(dpkg --print-architecture)"
WORK="$(mktemp -d "${TMPDIR:-/var/tmp}/kubelab-box.XXXXXX")"
ROOT="$WORK/rootfs"
mkdir -p "$ROOT"

cleanup() {
  local rc=$? m
  # Unmount anything debootstrap or a failed step left mounted below WORK,
  # deepest first, before deleting it.
  if [[ -d "$WORK" ]]; then
    while read -r m; do
      umount -l "$m" 2>/dev/null || true
    done < <(awk -v w="$WORK" 'index($2, w) == 1 {print $2}' /proc/self/mounts | sort -r)
    rm -rf --one-file-system "$WORK"
  fi
  if ((rc != 0)); then echo "build.sh: failed (exit $rc)" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. debootstrap (or reuse the cached rootfs) -----------------------------
cache_key="$(printf '%s\n' "$SUITE" "$VARIANT" "$ARCH" "$MIRROR" "${INCLUDE[@]}" | sha256sum | cut -c1-12)"
CACHE_TAR="$CACHE_DIR/debootstrap-$SUITE-$VARIANT-$ARCH-$cache_key.tar"

if [[ "$USE_CACHE" == 1 && -s "$CACHE_TAR" ]]; then
  step "unpacking cached debootstrap rootfs $CACHE_TAR"
  tar -C "$ROOT" --numeric-owner --xattrs --xattrs-include='*' -xpf "$CACHE_TAR"
else
  step "debootstrap $SUITE ($VARIANT, $ARCH) from $MIRROR into $ROOT"
  include_csv="$(IFS=,; echo "${INCLUDE[*]}")"
  debootstrap --variant="$VARIANT" --arch="$ARCH" --include="$include_csv" \
    "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 30 "$WORK/debootstrap.log" >&2
    die "debootstrap failed"
  }
  # debootstrap may leave /proc etc. mounted in the target.
  awk -v r="$ROOT" 'index($2, r) == 1 {print $2}' /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m" || true; done
  chroot "$ROOT" apt-get clean
  step "caching rootfs as $CACHE_TAR"
  mkdir -p "$CACHE_DIR"
  tar -C "$ROOT" --numeric-owner --xattrs --xattrs-include='*' -cpf "$CACHE_TAR.tmp" .
  mv -f "$CACHE_TAR.tmp" "$CACHE_TAR"
fi

# --- 2. customise -------------------------------------------------------------
step "configuring apt sources"
cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
# Smaller, faster package installs: no man pages, docs or translations.
cat >"$ROOT/etc/dpkg/dpkg.cfg.d/01-kubelab-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
cat >"$ROOT/etc/apt/apt.conf.d/90-kubelab" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
echo 'LANG=C.UTF-8' >"$ROOT/etc/default/locale"

step "creating user vagrant (passwordless sudo, insecure key)"
if ! chroot "$ROOT" id vagrant >/dev/null 2>&1; then
  chroot "$ROOT" useradd --create-home --shell /bin/bash --groups sudo --user-group vagrant
fi
echo 'vagrant:vagrant' | chroot "$ROOT" chpasswd
echo 'root:vagrant' | chroot "$ROOT" chpasswd
cat >"$ROOT/etc/sudoers.d/vagrant" <<'EOF'
Defaults:vagrant !requiretty
Defaults:vagrant env_keep += "SSH_AUTH_SOCK"
vagrant ALL=(ALL) NOPASSWD: ALL
EOF
chmod 0440 "$ROOT/etc/sudoers.d/vagrant"

pubkey=""
for f in /usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub \
  /usr/share/vagrant/keys/vagrant.pub /opt/vagrant/embedded/gems/gems/vagrant-*/keys/vagrant.pub \
  /opt/vagrant/embedded/gems/*/gems/vagrant-*/keys/vagrant.pub; do
  if [[ -s "$f" ]] && grep -q '^ssh-rsa ' "$f"; then
    pubkey="$(grep '^ssh-rsa ' "$f" | head -n1)"
    step "  using Vagrant's public key from $f"
    break
  fi
done
[[ -n "$pubkey" ]] || pubkey="$VAGRANT_INSECURE_PUBKEY"
install -d -m 0700 "$ROOT/home/vagrant/.ssh"
echo "$pubkey" >"$ROOT/home/vagrant/.ssh/authorized_keys"
chmod 0600 "$ROOT/home/vagrant/.ssh/authorized_keys"
chroot "$ROOT" chown -R vagrant:vagrant /home/vagrant/.ssh

step "configuring sshd"
mkdir -p "$ROOT/etc/ssh/sshd_config.d"
cat >"$ROOT/etc/ssh/sshd_config.d/10-vagrant.conf" <<'EOF'
# kubelab box: what Vagrant needs
UseDNS no
PubkeyAuthentication yes
PasswordAuthentication yes
PermitRootLogin prohibit-password
GSSAPIAuthentication no
EOF
# Each box generates its own host keys at first boot (kubelab-init).
rm -f "$ROOT"/etc/ssh/ssh_host_*
chroot "$ROOT" systemctl enable ssh.service >/dev/null 2>&1 || true

step "systemd: machine-id, default target, masking container-irrelevant units"
: >"$ROOT/etc/machine-id"
rm -f "$ROOT/var/lib/dbus/machine-id"
mkdir -p "$ROOT/var/lib/dbus"
ln -s /etc/machine-id "$ROOT/var/lib/dbus/machine-id"
chroot "$ROOT" systemctl set-default multi-user.target >/dev/null 2>&1
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

cat >"$ROOT/etc/kubelab-box-release" <<EOF
KUBELAB_BOX_SUITE=$SUITE
KUBELAB_BOX_BUILT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
KUBELAB_BOX_PROVIDER=docker
EOF

step "cleaning up the rootfs"
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/apt/archives/*.deb \
  "$ROOT"/var/log/*.log "$ROOT"/var/log/apt/* "$ROOT"/tmp/* "$ROOT"/var/tmp/* \
  "$ROOT"/root/.bash_history
find "$ROOT/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete 2>/dev/null || true
rm -rf "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/*

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
