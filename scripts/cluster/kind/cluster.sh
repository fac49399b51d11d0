#!/usr/bin/env bash
# kind on podman with the node image of node-image.sh (root; opt-in, not make cluster-up yet):
#   cluster.sh up                 kind create cluster --config kind-config.yaml (3 nodes), timed
#   cluster.sh load <archive>...  kind load image-archive into every node
#   cluster.sh status             nodes (-o wide), kube-system pods, memory of each node
#   cluster.sh down               kind delete cluster, then what is left on the host (leftovers)
#   cluster.sh leftovers          containers, volumes, networks, bridges, chains, mounts, cgroups
# The kubeconfig context is kind-<name> (name: kind-config.yaml) in the default kubeconfig, as
# scripts/cluster/lib.sh expects.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
set -a
# shellcheck source=versions.env
. "$root/versions.env"
set +a
# shellcheck source=scripts/cluster/kind/env.sh
. "$here/env.sh"
export PATH="$root/.tools/bin:$KIND_CACHE/kubernetes-v${KUBERNETES_VERSION#v}/bin:$PATH"
CONFIG="$root/kind-config.yaml"
CLUSTER=$(sed -n 's/^name: *//p' "$CONFIG")
IMAGE="${KIND_LOCAL_NODE_IMAGE:-localhost/shopscope/kind-node:v${KUBERNETES_VERSION#v}}"
RUN="$root/.run/kind"

say() { echo "kind: $*" >&2; }
die() {
  say "$*"
  exit 1
}
kc() { kubectl --context "kind-$CLUSTER" "$@"; }
nodes() { kind get nodes --name "$CLUSTER"; }

up() {
  command -v kind >/dev/null || die "kind is missing: make tool-kind"
  podman image exists "$IMAGE" || die "$IMAGE is missing: make kind-node-image"
  if kind get clusters 2>/dev/null | grep -cx "$CLUSTER" >/dev/null; then
    say "cluster $CLUSTER exists: reusing it"
    return
  fi
  local config=$CONFIG started=$SECONDS
  # A node image without kind's default CNI manifest (node-image.sh bakes one in when the pod
  # network's manifest is given; its label says): the same config, kind's CNI step left out.
  if [ "$(podman image inspect --format '{{index .Labels "io.shopscope.kind-node.cni"}}' "$IMAGE")" = none ] &&
    ! grep -cE '^\s+disableDefaultCNI: true' "$CONFIG" >/dev/null; then
    mkdir -p "$RUN"
    config="$RUN/kind-config.yaml"
    if grep -cx 'networking:' "$CONFIG" >/dev/null; then
      sed 's/^networking:$/&\n  disableDefaultCNI: true/' "$CONFIG" >"$config"
    else
      { cat "$CONFIG"; printf 'networking:\n  disableDefaultCNI: true\n'; } >"$config"
    fi
    say "$IMAGE has no default CNI manifest: networking.disableDefaultCNI (nodes stay NotReady without a CNI)"
  fi
  kind create cluster --config "$config" --image "$IMAGE" --retain
  say "created in $((SECONDS - started)) s"
}

load() {
  local a
  [ $# -gt 0 ] || die "usage: cluster.sh load <oci or docker archive>..."
  for a in "$@"; do kind load image-archive --name "$CLUSTER" "$a"; done
}

status() {
  kc get nodes -o wide
  kc -n kube-system get pods -o wide
  # Each node's memory: its container's memory cgroup (v1 here; podman stats reads the same).
  local names
  mapfile -t names < <(nodes)
  podman stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.CPUPerc}}' "${names[@]}"
}

leftovers() {
  echo "containers: $(podman ps -a --format '{{.Names}}' | tr '\n' ' ')"
  echo "volumes: $(podman volume ls --format '{{.Name}}' | tr '\n' ' ')"
  echo "networks: $(podman network ls --format '{{.Name}}' | tr '\n' ' ')"
  echo "bridges: $(ip -br link show type bridge | awk '{print $1}' | tr '\n' ' ')"
  echo "veths: $(ip -br link show type veth | wc -l)"
  echo "iptables chains (NETAVARK*): $(iptables-save | sed -n 's/^:\(NETAVARK[^ ]*\) .*/\1/p' | tr '\n' ' ')"
  echo "iptables rules (netavark/podman): $(iptables-save | grep -ciE 'netavark|podman' || true)"
  # iptables here is iptables-nft: these chains are nftables chains too (no nft CLI on the host).
  ! command -v nft >/dev/null || echo "nftables tables: $(nft list tables | tr '\n' ' ')"
  echo "mounts (podman storage, netns): $(grep -cE 'kind-podman|shopscope-podman|/run/netns' /proc/self/mounts || true)"
  echo "netns: $(ip netns list 2>/dev/null | tr '\n' ' ')"
  echo "cgroups (libpod): $(find /sys/fs/cgroup -maxdepth 3 -type d -name 'libpod*' 2>/dev/null | tr '\n' ' ')"
  echo "processes (conmon, aardvark-dns): $(pgrep -l 'conmon|aardvark' | tr '\n' ' ')"
}

down() {
  local started=$SECONDS
  kind delete cluster --name "$CLUSTER"
  # kind keeps its podman network for the next cluster; with no node on it, it goes too (the
  # bridge is gone already: netavark removes it with the last container).
  if podman network exists kind && [ -z "$(podman ps -a -q --filter network=kind)" ]; then
    podman network rm kind >/dev/null
  fi
  say "deleted in $((SECONDS - started)) s; left on the host:"
  leftovers
}

case "${1:-}" in
  up) up ;;
  load) shift && load "$@" ;;
  status) status ;;
  down) down ;;
  leftovers) leftovers ;;
  *) die "usage: cluster.sh up|load <archive>...|status|down|leftovers" ;;
esac
