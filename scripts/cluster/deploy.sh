#!/usr/bin/env bash
# The whole system onto the kind cluster: the one copy of the deploy steps, run by up.sh once the
# images are on the nodes. Idempotent: every step converges (`helm upgrade --install`,
# `kubectl apply`).
#   IN_BOX=1     the in-box overlay (in-box-values.yaml): no Grafana (AGPL, not built here); lib.sh
#                sets it where kind runs on podman
#   LOGS_BACKEND loki | victorialogs: the one logs store cdk8s synthesizes (lib.sh: victorialogs
#                in-box, where Loki, AGPL, is not built)
. "$(dirname "$0")/lib.sh"

KPS_VALUES=(--values cdk8s/dist/kube-prometheus-stack-values.yaml)
if [ "${IN_BOX:-0}" = 1 ]; then
  KPS_VALUES+=(--values scripts/cluster/in-box-values.yaml)
  echo "in-box overlay: scripts/cluster/in-box-values.yaml (no Grafana)"
fi

step "Synthesizing the cdk8s app (logs store: $LOGS_BACKEND) and creating the namespaces"
GRAFANA_ADMIN_PASSWORD="$GRAFANA_ADMIN_PASSWORD" LOGS_BACKEND="$LOGS_BACKEND" make --no-print-directory synth
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
  --namespace "$OBS_NAMESPACE" "${KPS_VALUES[@]}" \
  --wait --timeout 10m

step "Collector, Jaeger, $LOGS_BACKEND, MySQL, ServiceMonitors, rules, dashboards, alert routing (cdk8s)"
kc apply --server-side -f cdk8s/dist/10-observability.k8s.yaml
# The Secrets whose values the cluster generates (MySQL's root passwords) first, filled before
# the pods that read them start.
kc apply --server-side --selector "$GENERATED_SECRET_LABEL=true" -f cdk8s/dist/20-shop.k8s.yaml
fill_generated_secrets "$APP_NAMESPACE"
kc apply --server-side -f cdk8s/dist/20-shop.k8s.yaml
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
