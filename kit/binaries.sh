#!/usr/bin/env bash
# kit/binaries.sh: builds one step of the offline kit's programs from source.
#
# Usage: kit/binaries.sh STEP OUT_DIR
#   STEP     rke | kubernetes | cri-dockerd | rke-etcd-backup | etcd | coredns | flannel |
#            cni-plugins | flannel-cni | pause | autoscaler | metrics-server | iptables-wrapper
#   OUT_DIR  an empty folder that receives the step's binaries
#
# `kubelab kit build` runs it once per step, with every version and path in the environment
# (see src/kit/components.ts); nothing here chooses a version. Go modules come from the Go module
# proxy; the sources it refuses come unpacked from KIT_SOURCE_<NAME> folders.
#
# Environment: GOCACHE, GOMODCACHE (kept outside the repository), KIT_WORK (scratch folder),
# KIT_RKE_VERSION, KIT_K8S_VERSION, KIT_ETCD_VERSION, KIT_COREDNS_VERSION, KIT_FLANNEL_VERSION,
# KIT_CNI_PLUGINS_VERSION, KIT_CRI_DOCKERD_VERSION, KIT_RKE_TOOLS_VERSION, KIT_FLANNEL_CNI_VERSION,
# KIT_AUTOSCALER_VERSION, KIT_METRICS_SERVER_VERSION, KIT_SOURCE_CRI_DOCKERD, KIT_SOURCE_RKE_TOOLS,
# KIT_SOURCE_FLANNEL_CNI, KIT_SOURCE_AUTOSCALER, KIT_SOURCE_METRICS_SERVER, KIT_SOURCE_IPTABLES_WRAPPERS.
set -euo pipefail

step="${1:?usage: binaries.sh STEP OUT_DIR}"
out="$(mkdir -p "${2:?usage: binaries.sh STEP OUT_DIR}" && cd "$2" && pwd)"
work="${KIT_WORK:?KIT_WORK is not set}"

export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local
# Two cores here: more parallel compiles only add memory pressure.
GOBUILD=(go build -p 2 -trimpath)

# module_tree MODULE@VERSION DIR: a writable copy of a module from the proxy, to edit and build in.
module_tree() {
  local module="$1" dir="$2" path
  path=$(go mod download -json "$module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [[ -n "$path" ]] || { echo "binaries.sh: go mod download $module gave no folder" >&2; return 1; }
  rm -rf "$dir"
  cp -r "$path" "$dir"
  chmod -R u+w "$dir"
}

# source_tree VAR DIR: a writable copy of a source folder named by the environment variable VAR.
source_tree() {
  local src="${!1:-}" dir="$2"
  [[ -n "$src" && -d "$src" ]] || { echo "binaries.sh: $1 does not name a source folder" >&2; return 1; }
  rm -rf "$dir"
  cp -r "$src" "$dir"
  chmod -R u+w "$dir"
}

k8s_ldflags() {
  local v="$1" minor major flags="-s -w" p
  major=$(cut -d. -f1 <<<"${v#v}")
  minor=$(cut -d. -f2 <<<"$v")
  for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    flags+=" -X $p.gitVersion=$v -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    flags+=" -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$flags"
}

mkdir -p "$work"
cd "$work"
case "$step" in
  rke)
    module_tree "github.com/rancher/rke@$KIT_RKE_VERSION" rke
    (cd rke && "${GOBUILD[@]}" -ldflags "-s -w -X main.VERSION=$KIT_RKE_VERSION" -o "$out/rke" .)
    ;;
  kubernetes)
    module_tree "k8s.io/kubernetes@$KIT_K8S_VERSION" kubernetes
    cd kubernetes
    # The module zip ships go.work, which points at ./staging; the zip has no staging folder, so
    # every staging module comes from the proxy at the matching v0.x release instead.
    rm -f go.work go.work.sum
    staging="v0.${KIT_K8S_VERSION#v1.}"
    sed -i -E "s#^(\\s*)(k8s\\.io/[a-z-]+) => \\./staging/src/k8s\\.io/[a-z-]+\$#\\1\\2 => \\2 $staging#" go.mod
    "${GOBUILD[@]}" -tags selinux,notest -ldflags "$(k8s_ldflags "$KIT_K8S_VERSION")" -o "$out/" \
      ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kube-scheduler \
      ./cmd/kubelet ./cmd/kube-proxy ./cmd/kubectl
    ;;
  pause)
    module_tree "k8s.io/kubernetes@$KIT_K8S_VERSION" kubernetes-pause
    gcc -Os -Wall -Werror -static -DVERSION="kubelab-$KIT_K8S_VERSION" -o "$out/pause" kubernetes-pause/build/pause/linux/pause.c
    strip "$out/pause"
    ;;
  cri-dockerd)
    source_tree KIT_SOURCE_CRI_DOCKERD cri-dockerd
    # The tree carries vendor/: built from it, without the proxy.
    (cd cri-dockerd && GOFLAGS=-mod=vendor "${GOBUILD[@]}" -ldflags "-s -w \
      -X github.com/Mirantis/cri-dockerd/cmd/version.Version=${KIT_CRI_DOCKERD_VERSION#v} \
      -X github.com/Mirantis/cri-dockerd/cmd/version.GitCommit=$KIT_CRI_DOCKERD_VERSION" -o "$out/cri-dockerd" .)
    ;;
  rke-etcd-backup)
    source_tree KIT_SOURCE_RKE_TOOLS rke-tools
    (cd rke-tools && "${GOBUILD[@]}" -ldflags "-s -w -X main.VERSION=$KIT_RKE_TOOLS_VERSION" -o "$out/rke-etcd-backup" .)
    ;;
  etcd)
    module_tree "go.etcd.io/etcd/server/v3@$KIT_ETCD_VERSION" etcd-server
    module_tree "go.etcd.io/etcd/etcdctl/v3@$KIT_ETCD_VERSION" etcd-etcdctl
    # Their go.mod replaces sibling modules by ../ paths, absent from a module zip; the require
    # lines already pin the published versions.
    sed -i -E '/=> \.\.\//d; /=> \.\/FORBIDDEN_DEPENDENCY/d' etcd-server/go.mod etcd-etcdctl/go.mod
    (cd etcd-server && "${GOBUILD[@]}" -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$KIT_ETCD_VERSION" -o "$out/etcd" .)
    (cd etcd-etcdctl && "${GOBUILD[@]}" -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$KIT_ETCD_VERSION" -o "$out/etcdctl" .)
    ;;
  coredns)
    module_tree "github.com/coredns/coredns@$KIT_COREDNS_VERSION" coredns
    (cd coredns && "${GOBUILD[@]}" -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$KIT_COREDNS_VERSION" -o "$out/coredns" .)
    ;;
  flannel)
    module_tree "github.com/flannel-io/flannel@$KIT_FLANNEL_VERSION" flannel
    # tencentvpc needs a module the proxy refuses; udp needs cgo. The kit uses vxlan.
    sed -i -e '/pkg\/backend\/tencentvpc"/d' -e '/pkg\/backend\/udp"/d' flannel/main.go
    (cd flannel && "${GOBUILD[@]}" -ldflags "-s -w -X github.com/flannel-io/flannel/pkg/version.Version=$KIT_FLANNEL_VERSION" -o "$out/flanneld" .)
    ;;
  cni-plugins)
    module_tree "github.com/containernetworking/plugins@$KIT_CNI_PLUGINS_VERSION" cni-plugins
    mkdir -p "$out/cni"
    (cd cni-plugins && "${GOBUILD[@]}" \
      -ldflags "-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$KIT_CNI_PLUGINS_VERSION" -o "$out/cni/" \
      ./plugins/main/bridge ./plugins/main/host-device ./plugins/main/ipvlan ./plugins/main/loopback \
      ./plugins/main/macvlan ./plugins/main/ptp ./plugins/main/vlan ./plugins/main/dummy ./plugins/main/tap \
      ./plugins/ipam/dhcp ./plugins/ipam/host-local ./plugins/ipam/static \
      ./plugins/meta/bandwidth ./plugins/meta/firewall ./plugins/meta/portmap ./plugins/meta/sbr \
      ./plugins/meta/tuning ./plugins/meta/vrf)
    ;;
  flannel-cni)
    source_tree KIT_SOURCE_FLANNEL_CNI flannel-cni
    (cd flannel-cni && "${GOBUILD[@]}" -ldflags "-s -w -X main.Version=$KIT_FLANNEL_CNI_VERSION" -o "$out/flannel" .)
    ;;
  autoscaler)
    source_tree KIT_SOURCE_AUTOSCALER autoscaler
    (cd autoscaler && "${GOBUILD[@]}" -ldflags "-s -w" -o "$out/cluster-proportional-autoscaler" ./cmd/cluster-proportional-autoscaler)
    ;;
  metrics-server)
    source_tree KIT_SOURCE_METRICS_SERVER metrics-server
    (cd metrics-server && "${GOBUILD[@]}" -ldflags "-s -w -X k8s.io/client-go/pkg/version.gitVersion=$KIT_METRICS_SERVER_VERSION" -o "$out/metrics-server" ./cmd/metrics-server)
    ;;
  iptables-wrapper)
    source_tree KIT_SOURCE_IPTABLES_WRAPPERS iptables-wrappers
    (cd iptables-wrappers && "${GOBUILD[@]}" -ldflags "-s -w" -o "$out/iptables-wrapper" .)
    ;;
  *)
    echo "binaries.sh: unknown step $step" >&2
    exit 2
    ;;
esac
