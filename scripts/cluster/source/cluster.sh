#!/usr/bin/env bash
# The whole source-built cluster on this machine, in order:
#
#   cluster.sh up      the node's address (CLUSTER_NODE_IP, added to lo), control-plane.sh start with
#                      the apiserver on that address, containerd.sh start, node.sh start (kubelet,
#                      kube-proxy, kube-network-policies), CoreDNS (coredns.yaml); waits until the
#                      node is Ready and CoreDNS answers. Running it again converges: running
#                      processes are kept, the manifests re-applied.
#   cluster.sh down    node.sh stop, containerd.sh stop, control-plane.sh stop, then the address:
#                      no process, chain, bridge, mount, cgroup or address of the cluster is left
#                      (etcd's data stays in $CLUSTER_RUN_DIR/etcd; CLUSTER_WIPE=1 removes it too)
#   cluster.sh status
#
# Root only. State: $CLUSTER_RUN_DIR (default .run/cluster); KUBECONFIG=$CLUSTER_RUN_DIR/admin.kubeconfig
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
set -a
# shellcheck source=/dev/null
. "$ROOT/versions.env"
set +a
RUN_DIR="${CLUSTER_RUN_DIR:-$ROOT/.run/cluster}"
export CLUSTER_RUN_DIR="$RUN_DIR"
export CLUSTER_NODE_IP="${CLUSTER_NODE_IP:?the node address, from mk/platform.mk}"
export APISERVER_ADDRESS="$CLUSTER_NODE_IP"
NODE_NAME="${CLUSTER_NODE_NAME:-shopscope-node}"
CACHE="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
KUBECTL="$CACHE/kubernetes-v${KUBERNETES_VERSION#v}/bin/kubectl"
READY_TIMEOUT="${CLUSTER_READY_TIMEOUT:-180}"

die() {
  echo "cluster: $*" >&2
  exit 1
}
kubectl_() { "$KUBECTL" --kubeconfig "$RUN_DIR/admin.kubeconfig" "$@"; }

address_up() {
  if ip -o addr show to "$CLUSTER_NODE_IP" | grep -c . >/dev/null; then
    return
  fi
  ip addr add "$CLUSTER_NODE_IP/32" dev lo
  echo "$CLUSTER_NODE_IP" >"$RUN_DIR/node-address.added"
  echo "cluster: address $CLUSTER_NODE_IP added to lo"
}

address_down() {
  local a
  [ -s "$RUN_DIR/node-address.added" ] || return 0
  a=$(cat "$RUN_DIR/node-address.added")
  if ip -o addr show dev lo to "$a" | grep -c . >/dev/null; then
    ip addr del "$a/32" dev lo && echo "cluster: address $a removed from lo"
  fi
  rm -f "$RUN_DIR/node-address.added"
}

up() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  [ -x "$KUBECTL" ] || die "missing $KUBECTL (make cluster-source-build)"
  local t0=$SECONDS
  mkdir -p "$RUN_DIR"
  address_up
  "$HERE/control-plane.sh" start
  "$HERE/containerd.sh" start
  "$HERE/node.sh" start
  echo "cluster: waiting for node $NODE_NAME to be Ready"
  local deadline=$((SECONDS + READY_TIMEOUT))
  until kubectl_ get node "$NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True; do
    [ "$SECONDS" -lt "$deadline" ] || die "node $NODE_NAME not Ready within ${READY_TIMEOUT}s (logs in $RUN_DIR)"
    sleep 1
  done
  sed "s|@COREDNS_IMAGE@|$COREDNS_IMAGE|" "$HERE/coredns.yaml" | kubectl_ apply -f - >/dev/null
  kubectl_ -n kube-system rollout status deployment/coredns --timeout="${READY_TIMEOUT}s" >/dev/null ||
    die "CoreDNS not ready (kubectl -n kube-system describe pods -l k8s-app=kube-dns)"
  echo "cluster: up in $((SECONDS - t0)) s: node $NODE_NAME Ready, CoreDNS at 10.96.0.10; KUBECONFIG=$RUN_DIR/admin.kubeconfig"
}

down() {
  "$HERE/node.sh" stop
  "$HERE/containerd.sh" stop
  "$HERE/control-plane.sh" stop
  address_down
  if [ "${CLUSTER_WIPE:-0}" = 1 ]; then
    rm -rf "$RUN_DIR/etcd" && echo "cluster: etcd data removed"
  fi
}

status() {
  local rc=0
  "$HERE/control-plane.sh" status || rc=1
  "$HERE/containerd.sh" status || rc=1
  "$HERE/node.sh" status || rc=1
  if [ $rc = 0 ]; then
    kubectl_ get nodes -o wide && kubectl_ get pods -A -o wide || rc=1
  fi
  return $rc
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
*) die "usage: $0 up|down|status" ;;
esac
