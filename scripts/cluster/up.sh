#!/usr/bin/env bash
# `make cluster-up`: the whole system on kind. Idempotent: every step converges (create if
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
docker build -q -f services/telemetry/Dockerfile --build-arg NODE_IMAGE="$NODE_IMAGE" \
  --build-arg BUSYBOX_IMAGE="$BUSYBOX_IMAGE" -t "$AUTOINSTRUMENTATION_IMAGE" .

step "Loading the images into the nodes"
for service in "${SERVICES[@]}"; do kind load docker-image --name "$CLUSTER" "shopscope/$service:dev"; done
kind load docker-image --name "$CLUSTER" "$AUTOINSTRUMENTATION_IMAGE"

step "Synthesizing the cdk8s app and creating the namespaces"
GRAFANA_ADMIN_PASSWORD="$GRAFANA_ADMIN_PASSWORD" make --no-print-directory synth
kc apply -f cdk8s/dist/00-namespaces.k8s.yaml

step "OpenTelemetry Operator (chart $OTEL_OPERATOR_CHART_VERSION, self-signed webhook certificates)"
chart_source opentelemetry-operator https://open-telemetry.github.io/opentelemetry-helm-charts \
  "$OTEL_OPERATOR_CHART_VERSION"
operator_values
echo "chart: ${CHART[0]}"
hc upgrade --install opentelemetry-operator "${CHART[@]}" "${OPERATOR_VALUES[@]}" \
  --namespace "$OPERATOR_NAMESPACE" --wait --timeout 5m

step "kube-prometheus-stack (chart $KUBE_PROMETHEUS_STACK_CHART_VERSION)"
chart_source kube-prometheus-stack https://prometheus-community.github.io/helm-charts \
  "$KUBE_PROMETHEUS_STACK_CHART_VERSION"
echo "chart: ${CHART[0]}"
hc upgrade --install kps "${CHART[@]}" \
  --namespace "$OBS_NAMESPACE" --values cdk8s/dist/kube-prometheus-stack-values.yaml \
  --wait --timeout 10m

step "Collector, Jaeger, Loki, MySQL, ServiceMonitors, rules, dashboards, alert routing (cdk8s)"
kc apply --server-side -f cdk8s/dist/10-observability.k8s.yaml -f cdk8s/dist/20-shop.k8s.yaml
for namespace in "$OBS_NAMESPACE" "$APP_NAMESPACE"; do
  for workload in $(kc -n "$namespace" get deployment,statefulset -l app.kubernetes.io/managed-by=cdk8s -o name); do
    kc -n "$namespace" rollout status "$workload" --timeout 5m
  done
done
echo "waiting for the operator to roll out the Collector"
until kc -n "$OBS_NAMESPACE" get deployment shopscope-collector >/dev/null 2>&1; do sleep 2; done
kc -n "$OBS_NAMESPACE" rollout status deployment shopscope-collector --timeout 5m

step "Instrumentation (operator-config/)"
kc apply -f operator-config/instrumentation.yaml

step "The shop (charts/shopscope with ci/kind-values.yaml)"
hc upgrade --install shopscope charts/shopscope --namespace "$APP_NAMESPACE" \
  --values charts/shopscope/ci/kind-values.yaml --wait --timeout 10m
hc test shopscope --namespace "$APP_NAMESPACE" --timeout 2m

step "Ready"
print_urls
