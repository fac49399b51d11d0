# Shared by the scripts/cluster/*.sh: pinned versions, names, progress output.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
set -a
# shellcheck source=/dev/null
. "$ROOT/versions.env"
set +a
export PATH="$ROOT/.tools/bin:$PATH"

CLUSTER="${KIND_CLUSTER:-shopscope}"
CONTEXT="kind-$CLUSTER"
APP_NAMESPACE=shop
OBS_NAMESPACE=observability
OPERATOR_NAMESPACE=opentelemetry-operator-system
GRAFANA_ADMIN_PASSWORD="${GRAFANA_ADMIN_PASSWORD:-shopscope-dev}"
SERVICES=(frontend user-service product-service order-service)

STEP=0
step() {
  STEP=$((STEP + 1))
  printf '\n\033[1m[%s] %s\033[0m\n' "$STEP" "$*"
}

die() {
  echo "error: $*" >&2
  exit 1
}

kc() { kubectl --context "$CONTEXT" "$@"; }
hc() { helm --kube-context "$CONTEXT" "$@"; }

cluster_exists() { kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; }

print_urls() {
  cat <<TABLE

  what          URL                      credentials
  ------------  -----------------------  ---------------------------------------------
  shop          http://localhost:8080    admin@shopscope.local / dev-admin-password
  Grafana       http://localhost:3000    admin / $GRAFANA_ADMIN_PASSWORD
  Jaeger UI     http://localhost:16686   -
  Prometheus    http://localhost:9090    -
  Alertmanager  http://localhost:9093    -   (delivered alerts: kubectl -n $OBS_NAMESPACE logs deploy/alert-receiver)
TABLE
}
