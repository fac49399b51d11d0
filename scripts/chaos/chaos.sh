#!/usr/bin/env bash
# `make chaos`: three faults on the kind cluster of `make cluster-up`, each checked in
# Alertmanager's API, then repaired:
#   1. a random shop pod is deleted -> its Deployment replaces it and it becomes ready;
#   2. a MySQL StatefulSet is scaled to zero (its pod killed) -> MySQLDown fires; restored, resolves;
#   3. product-service is scaled to zero -> ServiceDown fires; restored, resolves.
# A MySQL pod that is merely deleted comes back before MySQLDown's `for: 1m`, so the database
# stays down (replicas 0) until the alert is seen. Every wait is bounded; on failure the replicas
# taken away are given back before exiting.
#
# Environment: KUBECTL (kubectl), KUBE_CONTEXT (kind-shopscope), ALERTMANAGER_URL
# (http://localhost:9093), CHAOS_ALERT_TIMEOUT (300 s), CHAOS_RESOLVE_TIMEOUT (600 s),
# CHAOS_ROLLOUT_TIMEOUT (180 s), CHAOS_POLL_SECONDS (5).
set -euo pipefail

KUBECTL="${KUBECTL:-kubectl}"
KUBE_CONTEXT="${KUBE_CONTEXT:-kind-${KIND_CLUSTER:-shopscope}}"
ALERTMANAGER_URL="${ALERTMANAGER_URL:-http://localhost:9093}"
ALERT_TIMEOUT="${CHAOS_ALERT_TIMEOUT:-300}"
RESOLVE_TIMEOUT="${CHAOS_RESOLVE_TIMEOUT:-600}"
ROLLOUT_TIMEOUT="${CHAOS_ROLLOUT_TIMEOUT:-180}"
POLL_SECONDS="${CHAOS_POLL_SECONDS:-5}"
NAMESPACE=shop
SERVICES_SELECTOR='app.kubernetes.io/component in (frontend,user-service,product-service,order-service)'

stamp() { while IFS= read -r line; do printf '%s %s\n' "$(date -u +%FT%TZ)" "$line"; done; }
log() { printf '%s\n' "$*" | stamp; }
die() {
  log "FAILED: $*" >&2
  exit 1
}
kc() { "$KUBECTL" --context "$KUBE_CONTEXT" --namespace "$NAMESPACE" "$@" 2> >(stamp >&2); }
# A kubectl command whose output is progress, not data.
kc_logged() { kc "$@" 2>&1 | stamp; }

# Replicas to give back if the run stops half-way: "<kind/name> <replicas>" lines.
RESTORE=()
restore_on_failure() {
  local status=$?
  if [ "$status" -ne 0 ] && [ ${#RESTORE[@]} -gt 0 ]; then
    log "restoring what was scaled down"
    for entry in "${RESTORE[@]}"; do
      kc_logged scale "${entry% *}" --replicas="${entry##* }" || true
    done
  fi
  exit "$status"
}
trap restore_on_failure EXIT

SUMMARY=()
record() { SUMMARY+=("$(printf '%-4s %-58s %-9s %6ss' "$1" "$2" "$3" "$4")"); }

random_line() {
  local lines=()
  mapfile -t lines
  [ ${#lines[@]} -gt 0 ] || return 1
  printf '%s\n' "${lines[RANDOM % ${#lines[@]}]}"
}

# Number of alerts Alertmanager lists for the matchers (resolved alerts are not listed).
alert_count() {
  local args=() matcher
  for matcher in "$@"; do args+=(--data-urlencode "filter=$matcher"); done
  curl -fsS --max-time 10 -G "${args[@]}" "$ALERTMANAGER_URL/api/v2/alerts" |
    { grep -o '"fingerprint"' || true; } | wc -l
}

# wait_alert firing|resolved <timeout> <matcher>... ; prints the seconds it took.
wait_alert() {
  local want=$1 timeout=$2 start=$SECONDS count
  shift 2
  while true; do
    count=$(alert_count "$@" || echo error)
    if [ "$count" = error ]; then
      log "Alertmanager at $ALERTMANAGER_URL did not answer" >&2
    elif { [ "$want" = firing ] && [ "$count" -gt 0 ]; } ||
      { [ "$want" = resolved ] && [ "$count" -eq 0 ]; }; then
      echo $((SECONDS - start))
      return 0
    fi
    if [ $((SECONDS - start)) -ge "$timeout" ]; then
      log "no alert matching $* was $want in Alertmanager ($ALERTMANAGER_URL) after ${timeout}s" >&2
      return 1
    fi
    sleep "$POLL_SECONDS"
  done
}

kill_random_shop_pod() {
  local pod component deployment start=$SECONDS
  pod=$(kc get pods -l "$SERVICES_SELECTOR" --field-selector=status.phase=Running -o name |
    random_line) || die "no running shop pod in namespace $NAMESPACE"
  component=$(kc get "$pod" -o 'jsonpath={.metadata.labels.app\.kubernetes\.io/component}')
  deployment=$(kc get deployments -l "app.kubernetes.io/component=$component" -o name | head -n 1)
  [ -n "$deployment" ] || die "no Deployment for $pod (component $component)"
  log "1. deleting $pod ($deployment)"
  kc_logged delete "$pod" --wait=true --timeout="${ROLLOUT_TIMEOUT}s"
  kc_logged rollout status "$deployment" --timeout="${ROLLOUT_TIMEOUT}s" ||
    die "$deployment did not replace $pod within ${ROLLOUT_TIMEOUT}s"
  record 1 "kill $pod" replaced $((SECONDS - start))
}

# scale_down_until_alert <step> <kind/name> <alert> <matcher>...
scale_down_until_alert() {
  local step=$1 target=$2 alert=$3 replicas seconds
  shift 3
  replicas=$(kc get "$target" -o 'jsonpath={.spec.replicas}')
  if [ -z "$replicas" ] || [ "$replicas" -eq 0 ]; then die "$target has no replicas to take away"; fi
  log "$step. scaling $target from $replicas to 0, expecting $alert"
  RESTORE+=("$target $replicas")
  kc_logged scale "$target" --replicas=0
  seconds=$(wait_alert firing "$ALERT_TIMEOUT" "$@") ||
    die "$alert did not fire within ${ALERT_TIMEOUT}s of scaling $target to zero"
  log "$step. $alert fired after ${seconds}s"
  record "$step" "$target to 0 -> $alert" firing "$seconds"

  log "$step. restoring $target to $replicas replicas"
  kc_logged scale "$target" --replicas="$replicas"
  kc_logged rollout status "$target" --timeout="${ROLLOUT_TIMEOUT}s" ||
    die "$target did not come back within ${ROLLOUT_TIMEOUT}s"
  RESTORE=("${RESTORE[@]:0:${#RESTORE[@]}-1}")
  seconds=$(wait_alert resolved "$RESOLVE_TIMEOUT" "$@") ||
    die "$alert did not resolve within ${RESOLVE_TIMEOUT}s of restoring $target"
  log "$step. $alert resolved after ${seconds}s"
  record "$step" "$target restored -> $alert" resolved "$seconds"
}

main() {
  command -v "$KUBECTL" >/dev/null || die "kubectl not found ($KUBECTL)"
  command -v curl >/dev/null || die "curl not found"
  alert_count 'alertname="Watchdog"' >/dev/null ||
    die "Alertmanager does not answer at $ALERTMANAGER_URL (make cluster-up, or set ALERTMANAGER_URL)"
  log "chaos on context $KUBE_CONTEXT, namespace $NAMESPACE, Alertmanager $ALERTMANAGER_URL"

  kill_random_shop_pod

  local mysql
  mysql=$(kc get statefulsets -l app.kubernetes.io/name=mysql -o name | random_line) ||
    die "no MySQL StatefulSet in namespace $NAMESPACE"
  scale_down_until_alert 2 "$mysql" MySQLDown 'alertname="MySQLDown"'

  local product
  product=$(kc get deployments -l app.kubernetes.io/component=product-service -o name | head -n 1)
  [ -n "$product" ] || die "no product-service Deployment in namespace $NAMESPACE"
  scale_down_until_alert 3 "$product" ServiceDown 'alertname="ServiceDown"' \
    'service_name="product-service"'

  log "summary:"
  printf '%-4s %-58s %-9s %7s\n' step action result time | stamp
  printf '%s\n' "${SUMMARY[@]}" | stamp
}

main "$@"
