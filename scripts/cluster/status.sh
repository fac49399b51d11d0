#!/usr/bin/env bash
# `make status`: what runs in the kind cluster.
. "$(dirname "$0")/lib.sh"
cluster_exists || die "no kind cluster $CLUSTER: make cluster-up"
kc get nodes -o wide
echo
hc list --all-namespaces
for namespace in "$APP_NAMESPACE" "$OBS_NAMESPACE" "$OPERATOR_NAMESPACE"; do
  echo
  kc -n "$namespace" get pods -o wide
done
