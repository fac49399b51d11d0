#!/usr/bin/env bash
# kind on podman with the node image of node-image.sh (root; make cluster-up's steps, dev/cluster/up.ts):
#   cluster.sh up                 kind create cluster --config kind-config.yaml (3 nodes), timed
#   cluster.sh load <archive>...  kind load image-archive into every node, each archive once per
#                                 cluster (by name, size and time: build.sh names archives after
#                                 their inputs)
#   cluster.sh status             nodes (-o wide), kube-system pods, memory of each node
#   cluster.sh down               kind delete cluster, then what is left on the host (leftovers)
#   cluster.sh leftovers          containers, volumes, networks, bridges, chains, mounts, cgroups
#   cluster.sh health             whether up would reuse the existing cluster or replace it
# The kubeconfig context is kind-<name> (name: kind-config.yaml) in the default kubeconfig, as
# dev/cluster/kube.ts expects.
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
LOADED="$RUN/loaded" # one file per archive loaded into the cluster; emptied when one is created

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
    local unhealthy
    unhealthy=$(unhealthy)
    if [ -z "$unhealthy" ]; then
      say "cluster $CLUSTER exists: reusing it"
      return
    fi
    # A run that ended with the machine (a stopped node container, an API server that does not
    # answer) leaves a cluster kind still lists but nothing can use: start over, never reuse it.
    say "cluster $CLUSTER exists but $unhealthy: deleting it and creating a new one"
    down
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
  rm -rf "$LOADED"
  kind create cluster --config "$config" --image "$IMAGE" --retain
  say "created in $((SECONDS - started)) s"
}

# Why the existing cluster cannot be reused (nothing printed: every node container runs and the
# API server answers ready).
unhealthy() {
  local node state
  for node in $(nodes); do
    state=$(podman inspect --format '{{.State.Status}}' "$node" 2>/dev/null || echo missing)
    [ "$state" = running ] || {
      echo "node $node is $state"
      return
    }
  done
  kc get --raw /readyz --request-timeout=20s >/dev/null 2>&1 || echo "its API server does not answer ready"
}

# What `up` decides about the existing cluster, without acting on it (tests/cluster/stopped-node).
health() {
  kind get clusters 2>/dev/null | grep -cx "$CLUSTER" >/dev/null || die "no cluster $CLUSTER"
  local unhealthy
  unhealthy=$(unhealthy)
  [ -z "$unhealthy" ] || die "cluster $CLUSTER: $unhealthy: cluster-up would replace it"
  say "cluster $CLUSTER: every node running, API server ready: cluster-up would reuse it"
}

load() {
  local a
  [ $# -gt 0 ] || die "usage: cluster.sh load <oci or docker archive>..."
  local key started=$SECONDS count=0
  mkdir -p "$LOADED"
  for a in "$@"; do
    key="$(basename "$a")-$(stat -c %s-%Y "$a")"
    [ ! -e "$LOADED/$key" ] || continue
    kind load image-archive --name "$CLUSTER" "$a"
    touch "$LOADED/$key"
    count=$((count + 1))
  done
  say "$count of $# archives loaded in $((SECONDS - started)) s (the others were loaded already)"
}

status() {
  kc get nodes -o wide
  kc -n kube-system get pods -o wide
  # Each node's memory: its container's memory cgroup (v1 here; podman stats reads the same).
  local names
  mapfile -t names < <(nodes)
  podman stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.CPUPerc}}' "${names[@]}"
}

# What kind and podman leave on the host, one "<what>: <names>" line each, only where something is
# left (nothing printed: the host is as before the cluster). The node image stays in podman's
# storage under the cache (KIND_CACHE: the next cluster-up starts from it); no container of it does.
leftovers() {
  report() { [ -z "$2" ] || echo "$1: $2"; }
  # First: any podman command below makes its run state again (and down removes that after).
  report "run state" "$(find "$PODMAN_RUN" -mindepth 1 -maxdepth 1 2>/dev/null | tr '\n' ' ')"
  report containers "$(podman ps -a --format '{{.Names}}' | tr '\n' ' ')"
  report "containers in storage" "$(podman ps -a --external --format '{{.ID}}' | tr '\n' ' ')"
  report volumes "$(podman volume ls --format '{{.Name}}' | tr '\n' ' ')"
  report networks "$(podman network ls --format '{{.Name}}' | grep -vx podman | tr '\n' ' ')"
  # podman's own bridge is podman0; kind's network is a podmanN bridge too; flannel's cni0 and
  # flannel.1 live in the nodes' network namespaces, not here.
  report bridges "$(ip -br link show type bridge | awk '$1 ~ /^podman/ { print $1 }' | tr '\n' ' ')"
  report veths "$(ip -br link show type veth | awk '{ sub(/@.*/, "", $1); print $1 }' | tr '\n' ' ')"
  # iptables here is iptables-nft: these chains are nftables chains too.
  report "iptables chains" "$(iptables-save 2>/dev/null | sed -n 's/^:\(NETAVARK[^ ]*\) .*/\1/p' | tr '\n' ' ')"
  report "iptables rules" "$(iptables-save 2>/dev/null | grep -E '^-A' | grep -ciE 'netavark|podman' | grep -vx 0 || true)"
  ! command -v nft >/dev/null || report "nftables tables" "$(nft list tables | grep -iE 'netavark|podman' | tr '\n' ' ')"
  report mounts "$(awk '$2 ~ /kind-podman|shopscope-podman|^\/run\/netns/ { print $2 }' /proc/self/mounts | tr '\n' ' ')"
  report netns "$(ip netns list 2>/dev/null | awk '{ print $1 }' | tr '\n' ' ')"
  report cgroups "$(find /sys/fs/cgroup -maxdepth 3 -type d -name 'libpod*' 2>/dev/null | tr '\n' ' ')"
  report "CNI conflists" "$(find /etc/cni/net.d -name '*podman*' 2>/dev/null | tr '\n' ' ')"
  report processes "$({ pgrep -a -x conmon; pgrep -a -x aardvark-dns; } | tr '\n' ' ')"
}

# After the last node, what kind and podman do not remove themselves: netavark's top-level chains
# and the jumps to them (it removes only each network's own), the cgroups podman made for its
# containers (cgroupfs manager: empty directories), the /run/netns mount podman shares network
# namespaces through, and podman's run state. Only when no container of podman's is left.
clean_host() {
  local table chain rule dir
  [ -z "$(podman ps -a -q)" ] || return 0
  pkill -x aardvark-dns 2>/dev/null || true
  for table in filter nat mangle; do
    # (grep finds nothing where netavark never ran: not a failure of the pipeline)
    iptables-save -t "$table" 2>/dev/null | { grep -E '^-A [A-Z]+ .*-j NETAVARK' || true; } |
      sed 's/^-A/-D/' | while read -r rule; do eval "iptables -t $table $rule" || true; done
    for chain in $(iptables-save -t "$table" 2>/dev/null | sed -n 's/^:\(NETAVARK[^ ]*\) .*/\1/p'); do
      iptables -t "$table" -F "$chain" || true
    done
    for chain in $(iptables-save -t "$table" 2>/dev/null | sed -n 's/^:\(NETAVARK[^ ]*\) .*/\1/p'); do
      iptables -t "$table" -X "$chain" || true
    done
  done
  # deepest first: rmdir removes a cgroup only once it has no process and no child
  while read -r dir; do rmdir "$dir" 2>/dev/null || true; done < <(
    find /sys/fs/cgroup -depth -type d -path '*libpod*' 2>/dev/null
  )
  if [ -z "$(ip netns list 2>/dev/null)" ] && grep -q ' /run/netns ' /proc/self/mounts; then
    if umount /run/netns; then rmdir /run/netns 2>/dev/null || true; fi
  fi
  awk -v run="$PODMAN_RUN" 'index($2, run) == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r dir; do umount "$dir" || true; done
  rm -rf "$PODMAN_RUN"
}

down() {
  local started=$SECONDS left
  if kind get clusters 2>/dev/null | grep -cx "$CLUSTER" >/dev/null; then
    kind delete cluster --name "$CLUSTER"
  else
    say "no cluster $CLUSTER"
  fi
  # kind keeps its podman network for the next cluster; with no node on it, it goes too (the
  # bridge is gone already: netavark removes it with the last container).
  if podman network exists kind && [ -z "$(podman ps -a -q --filter network=kind)" ]; then
    podman network rm kind >/dev/null
  fi
  clean_host
  rm -rf "$LOADED"
  # A container's conmon may still be a zombie for a moment after its container is gone.
  local tries=0
  until left=$(leftovers) && rm -rf "$PODMAN_RUN" && [ -z "$left" ] || [ $((tries += 1)) -gt 5 ]; do
    sleep 1
  done
  [ -z "$left" ] || die "deleted in $((SECONDS - started)) s, but left on the host:"$'\n'"$left"
  say "deleted in $((SECONDS - started)) s; nothing left on the host"
}

case "${1:-}" in
  up) up ;;
  load) shift && load "$@" ;;
  status) status ;;
  down) down ;;
  leftovers) leftovers ;;
  health) health ;;
  *) die "usage: cluster.sh up|load <archive>...|status|down|leftovers|health" ;;
esac
