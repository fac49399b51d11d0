#!/usr/bin/env bash
# `make cluster-down`: deletes the kind cluster (and with it every volume). On podman, also what
# kind and podman leave on the host, then checks that nothing of ours is left (kind/cluster.sh).
. "$(dirname "$0")/lib.sh"
if [ "$KIND_ENGINE" = podman ]; then
  exec "$ROOT/scripts/cluster/kind/cluster.sh" down
fi
command -v kind >/dev/null || die "kind is missing"
if cluster_exists; then kind delete cluster --name "$CLUSTER"; else echo "no kind cluster $CLUSTER"; fi
