#!/usr/bin/env bash
# Compares creating a cluster with KWOK with aksbox's create, on this machine
# in one run (run as root, from anywhere in the repository):
#
#   bench/kwok/compare.sh [runs]
#
# KWOK: kwokctl v0.8.0 and its kwok controller, and kube-apiserver,
# kube-controller-manager, kube-scheduler and etcd at the versions aksbox
# embeds, all built here from the Go module proxy (cached in
# ~/.cache/aksbox/kwok). The cluster runs with kwokctl's binary runtime in a
# network namespace of its own that has only lo; measured from 'kwokctl
# create cluster': until its API server's /readyz answers, and until kubectl
# lists 3 Ready nodes (made by 'kwokctl scale node --replicas 3' then).
#
# aksbox: BenchmarkAKSCreateToKubectl (test/e2e), a private cluster of 3
# nodes with the warm pool: from the PUT until kubectl on a jump box in the
# cluster's VNet lists 3 Ready nodes.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
runs=${1:-3}
kwok_version=v0.8.0
kube_version=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
etcd_version=$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
cache=${AKSBOX_KWOK_CACHE:-$HOME/.cache/aksbox/kwok}/$kwok_version-$kube_version
mkdir -p "$cache"

build() { # build NAME PACKAGE: a main package of a module aksbox requires
  [ -x "$cache/$1" ] && return
  echo "building $1 ($2)" >&2
  local mod
  mod=$(mktemp -d)
  sed 's#^module .*#module kwokbench#' go.mod >"$mod/go.mod"
  cp go.sum "$mod/"
  (cd "$mod" && GOFLAGS=-mod=mod go build -o "$cache/$1" "$2")
  rm -rf "$mod"
}
[ -x "$cache/kwokctl" ] || GOBIN=$cache go install sigs.k8s.io/kwok/cmd/kwokctl@$kwok_version
[ -x "$cache/kwok" ] || GOBIN=$cache go install sigs.k8s.io/kwok/cmd/kwok@$kwok_version
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
build kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler
build etcd go.etcd.io/etcd/server/v3

ns=aksbox-kwok-$$
work=$(mktemp -d)
cleanup() {
  ip netns exec "$ns" env KWOK_WORKDIR="$work" "$cache/kwokctl" delete cluster --name bench >/dev/null 2>&1 || true
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns delete "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
# The API server advertises the address of the default route's link: a veth
# pair inside the namespace gives it one. Nothing answers at the gateway and
# the namespace has no link out, so no packet leaves it.
ip -n "$ns" link add k0 type veth peer name k1
ip -n "$ns" addr add 10.99.0.1/24 dev k0
ip -n "$ns" link set k0 up
ip -n "$ns" link set k1 up
ip -n "$ns" route add default via 10.99.0.2 dev k0
inns() { ip netns exec "$ns" env KWOK_WORKDIR="$work" KWOK_KUBE_VERSION="$kube_version" \
  KWOK_KUBECTL_BINARY="$(command -v kubectl)" "$@"; }
now() { date +%s.%N; }

echo "KWOK $kwok_version with Kubernetes $kube_version and etcd $etcd_version, binary runtime"
for i in $(seq "$runs"); do
  begin=$(now)
  inns "$cache/kwokctl" create cluster --name bench --runtime binary --wait 0s \
    --kube-apiserver-binary "$cache/kube-apiserver" --kube-controller-manager-binary "$cache/kube-controller-manager" \
    --kube-scheduler-binary "$cache/kube-scheduler" --kwok-controller-binary "$cache/kwok" --etcd-binary "$cache/etcd" \
    --kubeconfig "$work/kubeconfig" >"$work/create.log" 2>&1 || { cat "$work/create.log"; exit 1; }
  until inns kubectl --kubeconfig "$work/kubeconfig" get --raw /readyz >/dev/null 2>&1; do
    sleep 0.05
  done
  created=$(now)
  inns "$cache/kwokctl" scale node --name bench --replicas 3 >/dev/null 2>&1
  until [ "$(inns kubectl --kubeconfig "$work/kubeconfig" get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" = 3 ]; do
    sleep 0.05
  done
  ready=$(now)
  awk -v i="$i" -v b="$begin" -v c="$created" -v r="$ready" \
    'BEGIN { printf "kwok run %d: API server ready %.2f s, 3 Ready nodes %.2f s\n", i, c - b, r - b }'
  inns "$cache/kwokctl" delete cluster --name bench >/dev/null 2>&1
done

echo "aksbox: BenchmarkAKSCreateToKubectl"
for i in $(seq "$runs"); do
  go test ./test/e2e -run XXX -bench 'BenchmarkAKSCreateToKubectl$' -benchtime 1x -count=1 |
    grep -o '[0-9.]* s-to-Succeeded\|[0-9.]* s-to-kubectl\|[0-9.]* s-floor' | paste -sd' ' | sed "s/^/aksbox run $i: /"
done
