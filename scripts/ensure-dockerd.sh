#!/usr/bin/env bash
# ensure-dockerd.sh: make sure a Docker daemon is running and can start
# privileged containers.  Idempotent.
#
# - If `docker info` already works, exit 0 (after the optional check below).
# - Otherwise: install scripts/runc-drop-caps to /usr/local/bin, register it
#   in /etc/docker/daemon.json as runtime "kubelab-runc" and make it the
#   default runtime (merged into an existing daemon.json with jq), start
#   dockerd in the background (nohup, log in /var/log/dockerd.log) and wait up
#   to DOCKERD_WAIT seconds (default 60) for `docker info`.
# - Then, if a local image is available (KUBELAB_CHECK_IMAGE, default
#   kubelab/debian-bookworm:latest), check that
#   `docker run --rm --privileged IMAGE true` works.  No image is ever pulled.
#
# Why the wrapper: see the header of scripts/runc-drop-caps (root's bounding
# set may lack capabilities, e.g. CAP_SYS_RESOURCE, which breaks
# `docker run --privileged`).
#
# Usage: scripts/ensure-dockerd.sh [--no-check]
# Must run as root when dockerd has to be started.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WRAPPER_SRC="$SCRIPT_DIR/runc-drop-caps"
WRAPPER_DST="${KUBELAB_WRAPPER_DST:-/usr/local/bin/runc-drop-caps}"
RUNTIME_NAME="${KUBELAB_RUNTIME_NAME:-kubelab-runc}"
DAEMON_JSON="${DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
DOCKERD_WAIT="${DOCKERD_WAIT:-60}"
CHECK_IMAGE="${KUBELAB_CHECK_IMAGE:-kubelab/debian-bookworm:latest}"
DO_CHECK=1

for arg in "$@"; do
  case "$arg" in
    --no-check) DO_CHECK=0 ;;
    -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "ensure-dockerd: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { echo "ensure-dockerd: $*" >&2; }
die() { echo "ensure-dockerd: ERROR: $*" >&2; exit 1; }

docker_ok() { docker info >/dev/null 2>&1; }

privileged_check() {
  [[ "$DO_CHECK" == 1 ]] || return 0
  if ! docker image inspect "$CHECK_IMAGE" >/dev/null 2>&1; then
    log "image $CHECK_IMAGE not present locally; skipping the --privileged check (build it with boxes/docker/build.sh)"
    return 0
  fi
  log "checking: docker run --rm --privileged $CHECK_IMAGE true"
  local out
  if ! out="$(docker run --rm --privileged --entrypoint /bin/true "$CHECK_IMAGE" 2>&1)"; then
    die "privileged container failed to start: $out
  Is the default runtime '$RUNTIME_NAME' ($WRAPPER_DST)? See $DAEMON_JSON, 'docker info | grep -i runtime' and $DOCKERD_LOG."
  fi
  log "privileged containers work"
}

install_wrapper() {
  command -v jq >/dev/null 2>&1 || {
    log "installing jq"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q jq >/dev/null || die "jq is required (apt-get install jq)"
  }
  [[ -f "$WRAPPER_SRC" ]] || die "wrapper not found at $WRAPPER_SRC"
  if ! cmp -s "$WRAPPER_SRC" "$WRAPPER_DST" 2>/dev/null; then
    log "installing $WRAPPER_DST"
    install -D -m 0755 "$WRAPPER_SRC" "$WRAPPER_DST"
  fi
}

write_daemon_json() {
  local current="{}" merged tmp
  mkdir -p "$(dirname "$DAEMON_JSON")"
  if [[ -s "$DAEMON_JSON" ]]; then
    jq -e 'type == "object"' "$DAEMON_JSON" >/dev/null 2>&1 || die "$DAEMON_JSON is not a JSON object; fix it by hand"
    current="$(cat "$DAEMON_JSON")"
  fi
  merged="$(jq --arg name "$RUNTIME_NAME" --arg path "$WRAPPER_DST" \
    '.runtimes = ((.runtimes // {}) + {($name): {path: $path}}) | .["default-runtime"] = $name' <<<"$current")"
  if [[ "$(jq -S . <<<"$current")" != "$(jq -S . <<<"$merged")" ]]; then
    log "updating $DAEMON_JSON (runtime $RUNTIME_NAME -> $WRAPPER_DST, default)"
    if [[ -s "$DAEMON_JSON" ]]; then cp -p "$DAEMON_JSON" "$DAEMON_JSON.bak"; fi
    tmp="$(mktemp "$DAEMON_JSON.XXXXXX")"
    echo "$merged" >"$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$DAEMON_JSON"
  fi
}

start_dockerd() {
  command -v dockerd >/dev/null 2>&1 || die "dockerd not installed (apt-get install docker.io)"
  if pgrep -x dockerd >/dev/null 2>&1; then
    log "dockerd is already running but 'docker info' fails; waiting for it"
  else
    log "starting dockerd (log: $DOCKERD_LOG)"
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
    disown || true
  fi
  local waited=0
  until docker_ok; do
    if ((waited >= DOCKERD_WAIT)); then
      echo "---- last lines of $DOCKERD_LOG ----" >&2
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      die "dockerd did not answer 'docker info' within ${DOCKERD_WAIT}s (see $DOCKERD_LOG)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "dockerd is up after ${waited}s"
}

main() {
  if docker_ok; then
    log "docker is already running"
    privileged_check
    exit 0
  fi
  [[ "$(id -u)" == 0 ]] || die "dockerd is not running and starting it needs root"
  install_wrapper
  write_daemon_json
  start_dockerd
  privileged_check
}

main
