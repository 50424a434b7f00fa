#!/usr/bin/env bash
# ensure-libvirtd.sh: make sure libvirtd answers on qemu:///system, for the libvirt provider.
# Idempotent.
#
# - If `virsh -c qemu:///system version` already works, exit 0.
# - Where systemd runs services, start libvirtd.service (and virtlogd) with systemctl.
# - Otherwise (a container or a VM without systemd as PID 1, like CI here): start virtlogd and
#   libvirtd as daemons (-d), and wait up to LIBVIRTD_WAIT seconds (default 30) for virsh.
#
# It starts no VM and creates no network: vagrant-libvirt makes its own networks and storage pool
# and removes the networks with the last machine.
#
# Usage: scripts/ensure-libvirtd.sh        (as root)
set -euo pipefail

URI=qemu:///system
WAIT="${LIBVIRTD_WAIT:-30}"

log() { echo "ensure-libvirtd: $*" >&2; }
die() { echo "ensure-libvirtd: ERROR: $*" >&2; exit 1; }

case "${1:-}" in
  -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
  "") ;;
  *) die "unknown argument: $1" ;;
esac

answers() { virsh -c "$URI" version >/dev/null 2>&1; }

command -v virsh >/dev/null || die "virsh is missing (Debian: apt-get install libvirt-daemon-system libvirt-clients)"
if answers; then
  log "libvirtd is running"
  exit 0
fi
[[ "$(id -u)" == 0 ]] || die "must run as root to start libvirtd"

if [[ -d /run/systemd/system ]]; then
  log "starting libvirtd with systemctl"
  systemctl start virtlogd.service libvirtd.service
else
  log "systemd does not run services here: starting virtlogd and libvirtd as daemons"
  pgrep -x virtlogd >/dev/null || virtlogd -d
  pgrep -x libvirtd >/dev/null || libvirtd -d
fi
for _ in $(seq 1 "$WAIT"); do
  if answers; then
    log "libvirtd answers on $URI"
    exit 0
  fi
  sleep 1
done
die "libvirtd did not answer on $URI within ${WAIT}s (see /var/log/libvirt/libvirtd.log)"
