#!/usr/bin/env bash
# `make cluster-up` on kind (the provider where Docker runs): the cluster and the images, then
# deploy.sh, the deploy steps both providers share. Idempotent: every step converges (create if
# missing, `helm upgrade --install`, `kubectl apply`), so a re-run repairs or updates.
. "$(dirname "$0")/lib.sh"

step "Checking prerequisites"
missing=()
for tool in docker kind kubectl helm node npx; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]} (helm: make tools; kind $KIND_VERSION: go install sigs.k8s.io/kind@$KIND_VERSION)"
docker info >/dev/null 2>&1 || die "docker is installed but its daemon does not answer"
echo "docker, kind, kubectl, helm, node: ok"
# KIND_NODE_IMAGE is an image built for KIND_VERSION: another kind may not boot it.
installed_kind="$(kind version | awk '{ print $2 }')"
[ "$installed_kind" = "$KIND_VERSION" ] \
  || echo "warning: kind $installed_kind, not $KIND_VERSION, the release KIND_NODE_IMAGE is built for" >&2

step "Kind cluster $CLUSTER (1 control plane, 2 workers, $KIND_NODE_IMAGE)"
if cluster_exists; then
  echo "exists: reusing it"
else
  kind create cluster --name "$CLUSTER" --config kind-config.yaml --image "$KIND_NODE_IMAGE" --wait 120s
fi

step "Building the service images and the auto-instrumentation image"
for service in "${SERVICES[@]}"; do
  docker build -q -f "services/$service/Dockerfile" --build-arg SERVICE="$service" \
    --build-arg NODE_IMAGE="$NODE_IMAGE" -t "shopscope/$service:dev" .
done
AUTOINSTRUMENTATION_IMAGE="$(awk '/^  nodejs:/ { n = 1 } n && /image:/ { print $2; exit }' operator-config/instrumentation.yaml)"
docker build -q -f services/Dockerfile --target autoinstrumentation --build-arg NODE_IMAGE="$NODE_IMAGE" \
  --build-arg BUSYBOX_IMAGE="$BUSYBOX_IMAGE" -t "$AUTOINSTRUMENTATION_IMAGE" .

step "Loading the images into the nodes"
for service in "${SERVICES[@]}"; do kind load docker-image --name "$CLUSTER" "shopscope/$service:dev"; done
kind load docker-image --name "$CLUSTER" "$AUTOINSTRUMENTATION_IMAGE"

exec "$ROOT/scripts/cluster/deploy.sh"
