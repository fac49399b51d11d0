#!/usr/bin/env bash
# A simulated kind cluster for scripts/chaos/chaos.sh: records every call in FAKE_KUBECTL_LOG and
# answers from a fixed inventory. Scaling a workload to zero posts the alert the real cluster
# would raise to Alertmanager (ALERTMANAGER_URL), unless it is named in FAKE_SILENT_ALERT;
# scaling it back up resolves it.
set -euo pipefail
printf '%s\n' "$*" >>"$FAKE_KUBECTL_LOG"

# Drop the global flags chaos.sh always passes.
args=()
while [ $# -gt 0 ]; do
  case "$1" in
  --context | --namespace) shift 2 ;;
  *) args+=("$1") && shift ;;
  esac
done
set -- "${args[@]}"

post_alert() { # <alertname> startsAt|endsAt
  local now
  now=$(date -u +%FT%TZ)
  [ "$1" = "${FAKE_SILENT_ALERT:-}" ] && return 0
  curl -fsS -X POST -H 'content-type: application/json' "$ALERTMANAGER_URL/api/v2/alerts" \
    -d "[{\"labels\":{\"alertname\":\"$1\",\"service_name\":\"product-service\",\"severity\":\"critical\"},\"$2\":\"$now\"}]"
}

alert_of() {
  case "$1" in
  statefulset.apps/mysql-products) echo MySQLDown ;;
  deployment.apps/shopscope-product-service) echo ServiceDown ;;
  *) echo "fake kubectl: nothing scales $1" >&2 && exit 1 ;;
  esac
}

case "$*" in
"get pods -l app.kubernetes.io/component in "*" --field-selector=status.phase=Running -o name")
  echo pod/shopscope-frontend-5d8f7-x2k9q
  ;;
"get pod/shopscope-frontend-5d8f7-x2k9q -o jsonpath="*) echo frontend ;;
"get deployments -l app.kubernetes.io/component=frontend -o name")
  echo deployment.apps/shopscope-frontend
  ;;
"get deployments -l app.kubernetes.io/component=product-service -o name")
  echo deployment.apps/shopscope-product-service
  ;;
"get statefulsets -l app.kubernetes.io/name=mysql -o name") echo statefulset.apps/mysql-products ;;
"get statefulset.apps/mysql-products -o jsonpath={.spec.replicas}") echo 1 ;;
"get deployment.apps/shopscope-product-service -o jsonpath={.spec.replicas}") echo 2 ;;
"delete "* | "rollout status "*) echo "ok: $*" ;;
"scale "*" --replicas=0")
  post_alert "$(alert_of "$2")" startsAt
  echo "$2 scaled"
  ;;
"scale "*) post_alert "$(alert_of "$2")" endsAt && echo "$2 scaled" ;;
*) echo "fake kubectl: unexpected call: $*" >&2 && exit 1 ;;
esac
