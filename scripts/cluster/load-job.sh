#!/usr/bin/env bash
# `make load-cluster`: the Locust scenario as the in-cluster Job of cdk8s (90-load-test), its
# logs followed, and its verdict (the locustfile exits non-zero when a threshold is crossed, and
# the Job does not retry). A Job's pod template is immutable: the previous run is deleted first.
#   load-job.sh <90-load-test.k8s.yaml>
# Environment: KUBECTL, KUBE_CONTEXT (make sets them for the cluster of cluster-up), LOAD_SCALE
# (the Job's own, 1 = the seed report's 2.5 minutes, when unset).
set -euo pipefail
manifest=$1
kc() { "${KUBECTL:-kubectl}" --context "$KUBE_CONTEXT" --namespace shop "$@"; }

kc delete job shop-load --ignore-not-found --wait=true
if [ -n "${LOAD_SCALE:-}" ]; then
  # The value line follows its name line in the synthesized YAML.
  sed "/name: LOAD_SCALE/{n;s/value: .*/value: \"$LOAD_SCALE\"/}" "$manifest"
else
  cat "$manifest"
fi | kc apply -f -
kc wait --for=condition=ready pod -l job-name=shop-load --timeout=180s
kc logs -f job/shop-load
# The Job is complete or failed a moment after its pod exits.
for _ in $(seq 1 60); do
  status=$(kc get job shop-load -o 'jsonpath={range .status.conditions[?(@.status=="True")]}{.type} {end}')
  case "$status" in
  *Complete*) echo "load Job shop-load: Complete" && exit 0 ;;
  *Failed*) echo "load Job shop-load: Failed (a threshold of dev/traffic/scenario.json was crossed)" >&2 && exit 1 ;;
  esac
  sleep 1
done
echo "load Job shop-load: no verdict 60 s after its pod ended" >&2
exit 1
