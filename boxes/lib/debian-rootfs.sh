# shellcheck shell=bash
# debian-rootfs.sh: what every kubelab box shares, sourced by boxes/<provider>/build.sh: a Debian
# rootfs from debootstrap (cached as a tarball), turned into what Vagrant expects of a box.
#
# The caller sets ARCH and INCLUDE (array: BOX_PACKAGES and its own), reads its arguments with
# parse_box_args and makes its scratch folder with start_work.

# What every box is made of, and from where (the mirrors and the cache can be set from outside).
SUITE=bookworm
VARIANT=minbase
MIRROR="${KUBELAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${KUBELAB_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
CACHE_DIR="${KUBELAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubelab}"
# shellcheck disable=SC2034 # read by the calling script, into its INCLUDE
BOX_PACKAGES=(
  systemd systemd-sysv dbus libpam-systemd openssh-server sudo
  iproute2 iputils-ping iptables netbase ca-certificates curl gnupg
  kmod procps jq less libcap2-bin dnsmasq-base rsync
)

START=$SECONDS
step() { printf '==> [%3ds] %s\n' "$((SECONDS - START))" "$*"; }
die() { echo "build.sh: ERROR: $*" >&2; exit 1; }

# parse_box_args ARGS...: --force, --no-cache, --help and the box's name. Sets FORCE and USE_CACHE;
# sets BOX_NAME only when a name is given. The help is the calling script's header.
FORCE=0
USE_CACHE=1
# shellcheck disable=SC2034 # FORCE and BOX_NAME are read by the calling script
parse_box_args() {
  while (($#)); do
    case "$1" in
      --force | -f) FORCE=1 ;;
      --no-cache) USE_CACHE=0 ;;
      -h | --help) box_usage; exit 0 ;;
      -*) echo "build.sh: unknown option $1" >&2; box_usage >&2; exit 2 ;;
      *) BOX_NAME="$1" ;;
    esac
    shift
  done
}
box_usage() { sed -n '2,/^set -euo pipefail$/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

# start_work PREFIX: the scratch folder WORK, unmounted and removed however the script ends.
start_work() {
  WORK="$(mktemp -d "${TMPDIR:-/var/tmp}/$1.XXXXXX")"
  trap finish_work EXIT
  trap 'exit 130' INT TERM
}
finish_work() {
  local rc=$?
  if [[ -d "${WORK:-}" ]]; then
    unmount_below "$WORK"
    rm -rf --one-file-system "$WORK"
  fi
  if ((rc != 0)); then echo "build.sh: failed (exit $rc)" >&2; fi
  exit "$rc"
}

# debootstrap_rootfs ROOT: debootstraps SUITE into ROOT, or unpacks the cached result of the same
# inputs; the cache key covers everything that changes what debootstrap makes.
debootstrap_rootfs() {
  local root=$1 cache_key cache_tar include_csv
  cache_key="$(printf '%s\n' "$SUITE" "$VARIANT" "$ARCH" "$MIRROR" "${INCLUDE[@]}" | sha256sum | cut -c1-12)"
  cache_tar="$CACHE_DIR/debootstrap-$SUITE-$VARIANT-$ARCH-$cache_key.tar"
  mkdir -p "$root"
  if [[ "$USE_CACHE" == 1 && -s "$cache_tar" ]]; then
    step "unpacking cached debootstrap rootfs $cache_tar"
    tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -xpf "$cache_tar"
    return 0
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    step "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
  fi
  step "debootstrap $SUITE ($VARIANT, $ARCH) from $MIRROR into $root"
  include_csv="$(IFS=,; echo "${INCLUDE[*]}")"
  debootstrap --variant="$VARIANT" --arch="$ARCH" --include="$include_csv" \
    "$SUITE" "$root" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 30 "$WORK/debootstrap.log" >&2
    die "debootstrap failed"
  }
  # debootstrap may leave /proc etc. mounted in the target.
  awk -v r="$root" 'index($2, r) == 1 {print $2}' /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m" || true; done
  chroot "$root" apt-get clean
  step "caching rootfs as $cache_tar"
  mkdir -p "$CACHE_DIR"
  tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -cpf "$cache_tar.tmp" .
  mv -f "$cache_tar.tmp" "$cache_tar"
}

# unmount_below DIR: unmounts anything left mounted below DIR, deepest first (for cleanup traps).
unmount_below() {
  local m
  while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done < <(awk -v w="$1" 'index($2, w) == 1 {print $2}' /proc/self/mounts | sort -r)
}

# configure_apt ROOT: Debian's mirrors, no recommends, no docs (smaller, faster installs).
configure_apt() {
  local root=$1
  step "configuring apt sources"
  cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
  cat >"$root/etc/dpkg/dpkg.cfg.d/01-kubelab-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  cat >"$root/etc/apt/apt.conf.d/90-kubelab" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
  echo 'LANG=C.UTF-8' >"$root/etc/default/locale"
}

# Vagrant's well-known insecure public key, used when Vagrant's own copy is not on this machine.
VAGRANT_INSECURE_PUBKEY='ssh-rsa AAAAB3NzaC1yc2EAAAABIwAAAQEA6NF8iallvQVp22WDkTkyrtvp9eWW6A8YVr+kz4TjGYe7gHzIw+niNltGEFHzD8+v1I2YJ6oXevct1YeS0o9HZyN1Q9qgCgzUFtdOKLv6IedplqoPkcmF0aYet2PkEDo3MlTBckFXPITAMzF8dJSIFo9D8HfdOV0IAdx4O7PtixWKn5y2hMNG0zQPyUecp4pzC6kivAIhyfHilFR61RGL+GPXQ2MWZWFYbAGjyiYJnAmCP3NOTd0jMZEnDkbUvxhMmBYSdETk1rRgm+R4LOzFUGaHqHDLKLX+FIPKcF96hrucXzcWyLbIbEgE98OHlnVYCzRdK8jlqm8tehUc9c9WhQ== vagrant insecure public key'

# add_vagrant_user ROOT: user vagrant (password vagrant, passwordless sudo, Vagrant's insecure key,
# which Vagrant replaces on the first `up`).
add_vagrant_user() {
  local root=$1 pubkey="" f
  step "creating user vagrant (passwordless sudo, insecure key)"
  if ! chroot "$root" id vagrant >/dev/null 2>&1; then
    chroot "$root" useradd --create-home --shell /bin/bash --groups sudo --user-group vagrant
  fi
  echo 'vagrant:vagrant' | chroot "$root" chpasswd
  echo 'root:vagrant' | chroot "$root" chpasswd
  cat >"$root/etc/sudoers.d/vagrant" <<'EOF'
Defaults:vagrant !requiretty
Defaults:vagrant env_keep += "SSH_AUTH_SOCK"
vagrant ALL=(ALL) NOPASSWD: ALL
EOF
  chmod 0440 "$root/etc/sudoers.d/vagrant"
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
  install -d -m 0700 "$root/home/vagrant/.ssh"
  echo "$pubkey" >"$root/home/vagrant/.ssh/authorized_keys"
  chmod 0600 "$root/home/vagrant/.ssh/authorized_keys"
  chroot "$root" chown -R vagrant:vagrant /home/vagrant/.ssh
}

# configure_sshd ROOT: what Vagrant needs of sshd; host keys are made at each box's first boot.
configure_sshd() {
  local root=$1
  step "configuring sshd"
  mkdir -p "$root/etc/ssh/sshd_config.d"
  cat >"$root/etc/ssh/sshd_config.d/10-vagrant.conf" <<'EOF'
# kubelab box: what Vagrant needs
UseDNS no
PubkeyAuthentication yes
PasswordAuthentication yes
PermitRootLogin prohibit-password
GSSAPIAuthentication no
EOF
  rm -f "$root"/etc/ssh/ssh_host_*
  chroot "$root" systemctl enable ssh.service >/dev/null 2>&1 || true
}

# reset_machine_id ROOT: every machine made from the box gets its own id at first boot.
reset_machine_id() {
  local root=$1
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id"
  mkdir -p "$root/var/lib/dbus"
  ln -s /etc/machine-id "$root/var/lib/dbus/machine-id"
  chroot "$root" systemctl set-default multi-user.target >/dev/null 2>&1
}

# write_box_release ROOT PROVIDER: what the box is, for a person inside a machine.
write_box_release() {
  cat >"$1/etc/kubelab-box-release" <<EOF
KUBELAB_BOX_SUITE=$SUITE
KUBELAB_BOX_BUILT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
KUBELAB_BOX_PROVIDER=$2
EOF
}

# clean_rootfs ROOT: package lists, caches, logs and docs out of the box.
clean_rootfs() {
  local root=$1
  step "cleaning up the rootfs"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* "$root"/var/tmp/* \
    "$root"/root/.bash_history
  find "$root/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete 2>/dev/null || true
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/*
}
