# Shared by the scripts/cluster/*.sh: pinned versions, names, progress output.
# shellcheck shell=bash disable=SC2034 # names and arrays the sourcing scripts use
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
set -a
# shellcheck source=/dev/null
. "$ROOT/versions.env"
set +a
# kubectl of the pinned release where this machine built one (the kind node image's build)
export PATH="$ROOT/.tools/bin:${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}/kubernetes-v${KUBERNETES_VERSION#v}/bin:$PATH"

CLUSTER="" # kind-config.yaml's name (read without tools: up.sh checks for them first)
while IFS= read -r line; do
  if [[ $line =~ ^name:\ *([^ ]+) ]]; then CLUSTER="${BASH_REMATCH[1]}"; fi
done <"$ROOT/kind-config.yaml"
CONTEXT="kind-${CLUSTER:?kind-config.yaml names no cluster}"
# kind's container engine: Docker where its daemon answers (a laptop), else podman with this
# project's configuration (the build machines: no daemon, no registry; root). On podman the
# upstream images are the stand-ins, Grafana is left out and VictoriaLogs stands in for Loki
# (IN_BOX, LOGS_BACKEND below).
if docker info >/dev/null 2>&1; then
  KIND_ENGINE=docker
else
  KIND_ENGINE=podman
  # shellcheck source=scripts/cluster/kind/env.sh
  . "$ROOT/scripts/cluster/kind/env.sh"
fi
IN_BOX="${IN_BOX:-$([ "$KIND_ENGINE" = podman ] && echo 1 || echo 0)}"
# The logs store cdk8s synthesizes (PlatformInputs.logsBackend): Loki (AGPL) is never built here.
LOGS_BACKEND="${LOGS_BACKEND:-$([ "$IN_BOX" = 1 ] && echo victorialogs || echo loki)}"
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

cluster_exists() { kind get clusters 2>/dev/null | grep -cx "$CLUSTER" >/dev/null; }

# The directory of packaged upstream charts (<name>-<version>.tgz, unchanged from their public
# repositories) for machines that reach no chart repository: CHARTS_DIR when set, else
# ../shared/charts next to the checkout when it exists; nothing printed means "install online".
# The one place this is decided: tests/platform renders the charts from the same directory.
charts_dir() {
  if [ -n "${CHARTS_DIR:-}" ]; then
    [ -d "$CHARTS_DIR" ] || die "CHARTS_DIR=$CHARTS_DIR is not a directory"
    (cd "$CHARTS_DIR" && pwd)
  elif [ -d "$ROOT/../shared/charts" ]; then
    (cd "$ROOT/../shared/charts" && pwd)
  fi
}

# The opentelemetry-operator release's values: the file, plus the default image of collectors
# whose CR names none, set from versions.env (a YAML file cannot read it). Our Collector CR pins
# the same image itself. tests/platform renders the chart with exactly these arguments.
operator_values() {
  OPERATOR_VALUES=(
    --values "$ROOT/operator-config/opentelemetry-operator-values.yaml"
    --set-string "manager.collectorImage.repository=${OTELCOL_CONTRIB_IMAGE%:*}"
    --set-string "manager.collectorImage.tag=${OTELCOL_CONTRIB_IMAGE##*:}"
  )
}

# chart_source <name> <repository URL> <version>: sets CHART to the `helm upgrade --install`
# arguments naming that chart, the packaged .tgz when charts_dir has one, else the repository.
chart_source() {
  local dir
  dir="$(charts_dir)"
  if [ -n "$dir" ]; then
    [ -f "$dir/$1-$3.tgz" ] || die "$dir has no $1-$3.tgz (unset CHARTS_DIR to install online)"
    CHART=("$dir/$1-$3.tgz")
  else
    CHART=("$1" --repo "$2" --version "$3")
  fi
}

# Secrets cdk8s synthesizes without values (GENERATED_SECRET of cdk8s/src/security.ts): each key
# their annotation names gets a random value once; a later deploy keeps it (a database keeps the
# root password it was initialised with). The value never appears on a command line or in output.
GENERATED_SECRET_LABEL=shopscope.io/generated-secret
GENERATED_SECRET_KEYS=shopscope.io/generate-keys
fill_generated_secrets() { # <namespace>
  local secret key keys value
  for secret in $(kc -n "$1" get secret -l "$GENERATED_SECRET_LABEL=true" -o name); do
    keys="$(kc -n "$1" get "$secret" -o "jsonpath={.metadata.annotations.${GENERATED_SECRET_KEYS//./\\.}}")"
    for key in ${keys//,/ }; do
      [ -z "$(kc -n "$1" get "$secret" -o "jsonpath={.data.$key}")" ] || continue
      value="$(head -c 24 /dev/urandom | base64 -w0)"
      printf '{"data":{"%s":"%s"}}' "$key" "$(printf %s "$value" | base64 -w0)" |
        kc -n "$1" patch "$secret" --type merge --patch-file /dev/stdin >/dev/null
      echo "$secret: generated $key"
    done
  done
}

# kind maps the browser-facing NodePorts to localhost ports (kind-config.yaml); in-box there is
# no Grafana (in-box-values.yaml), and the logs are in VictoriaLogs' own UI.
print_urls() {
  echo
  echo "  what          URL                      credentials"
  echo "  ------------  -----------------------  ---------------------------------------------"
  echo "  shop          http://localhost:8080    admin@shopscope.local / dev-admin-password"
  [ "$IN_BOX" = 1 ] || echo "  Grafana       http://localhost:3000    admin / $GRAFANA_ADMIN_PASSWORD"
  echo "  Jaeger UI     http://localhost:16686   -"
  if [ "$LOGS_BACKEND" = victorialogs ]; then
    echo "  logs UI       http://localhost:9428/select/vmui/   -   (VictoriaLogs)"
  else
    echo "  logs UI       http://localhost:3000/explore   (Grafana, Loki datasource)"
  fi
  echo "  Prometheus    http://localhost:9090    -"
  echo "  Alertmanager  http://localhost:9093    -   (delivered alerts: kubectl -n $OBS_NAMESPACE logs deploy/alert-receiver)"
}
