#!/usr/bin/env bash
# `make cluster-down`: deletes the kind cluster (and with it every volume).
. "$(dirname "$0")/lib.sh"
command -v kind >/dev/null || die "kind is missing"
if cluster_exists; then kind delete cluster --name "$CLUSTER"; else echo "no kind cluster $CLUSTER"; fi
