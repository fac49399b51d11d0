#!/usr/bin/env bash
# `make chaos`: faults on the cluster of `make cluster-up`, each seen in Alertmanager and in what
# it delivered to the in-cluster receiver (deploy/alert-receiver's log), then repaired:
#   1. a random shop pod is deleted -> its Deployment replaces it and it becomes ready;
#   2. a MySQL StatefulSet and product-service are scaled to zero together -> MySQLDown and
#      ServiceDown fire and are delivered; both restored -> both resolve and the resolutions are
#      delivered. Together, because a resolution is delivered at the group's next group_interval
#      (5 min, alerts/alertmanager.yaml): one after the other would take twice as long.
# A MySQL pod that is merely deleted comes back before MySQLDown's `for: 1m`, so the database
# stays down (replicas 0) until the alert is delivered. Every wait is bounded; on failure the
# replicas taken away are given back before exiting. A summary of the timings ends the run.
#
# Environment (make chaos sets them for the cluster of cluster-up): KUBECTL (kubectl),
# KUBE_CONTEXT (kind-shopscope), ALERTMANAGER_URL (http://localhost:9093), CHAOS_ALERT_TIMEOUT
# (300 s), CHAOS_RESOLVE_TIMEOUT (600 s), CHAOS_ROLLOUT_TIMEOUT (180 s), CHAOS_POLL_SECONDS (5),
# CHAOS_AWAIT_RESOLUTION_DELIVERY (1; 0: end once resolved, the resolutions' delivery left to the
# caller: make test checks it minutes later, tests/cluster/alert-resolutions.test.ts).
set -euo pipefail

KUBECTL="${KUBECTL:-kubectl}"
KUBE_CONTEXT="${KUBE_CONTEXT:-kind-${KIND_CLUSTER:-shopscope}}"
ALERTMANAGER_URL="${ALERTMANAGER_URL:-http://localhost:9093}"
ALERT_TIMEOUT="${CHAOS_ALERT_TIMEOUT:-300}"
RESOLVE_TIMEOUT="${CHAOS_RESOLVE_TIMEOUT:-600}"
ROLLOUT_TIMEOUT="${CHAOS_ROLLOUT_TIMEOUT:-180}"
POLL_SECONDS="${CHAOS_POLL_SECONDS:-5}"
AWAIT_RESOLUTION_DELIVERY="${CHAOS_AWAIT_RESOLUTION_DELIVERY:-1}"
NAMESPACE=shop
RECEIVER_NAMESPACE=observability
RECEIVER=deploy/alert-receiver
STARTED_AT="$(date -u +%FT%TZ)"
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
record() { SUMMARY+=("$(printf '%-4s %-66s %-9s %6ss' "$1" "$2" "$3" "$4")"); }

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
  deployment=$(kc get deployments -l "app.kubernetes.io/component=$component" -o name | sed -n 1p)
  [ -n "$deployment" ] || die "no Deployment for $pod (component $component)"
  log "1. deleting $pod ($deployment)"
  kc_logged delete "$pod" --wait=true --timeout="${ROLLOUT_TIMEOUT}s"
  kc_logged rollout status "$deployment" --timeout="${ROLLOUT_TIMEOUT}s" ||
    die "$deployment did not replace $pod within ${ROLLOUT_TIMEOUT}s"
  record 1 "kill $pod" replaced $((SECONDS - start))
}

# Notifications the receiver logged since the run started for <alertname> with <status>
# (firing|resolved) in Alertmanager's webhook body, optionally for one service_name.
delivered_count() {
  local alert=$1 status=$2 service=${3:-}
  "$KUBECTL" --context "$KUBE_CONTEXT" --namespace "$RECEIVER_NAMESPACE" logs "$RECEIVER" \
    --since-time="$STARTED_AT" 2>/dev/null |
    grep -F "\"alertname\":\"$alert\"" | grep -F "{\"receiver\":" |
    grep -F ",\"status\":\"$status\"," |
    { grep -cF "${service:+\"service_name\":\"$service\"}" || true; }
}

# wait_delivered <timeout> <alertname> <status> [service_name]; prints the seconds it took.
wait_delivered() {
  local timeout=$1 start=$SECONDS
  shift
  until [ "$(delivered_count "$@")" -gt 0 ]; do
    if [ $((SECONDS - start)) -ge "$timeout" ]; then
      log "the receiver ($RECEIVER_NAMESPACE/$RECEIVER) got no $2 notification of $1 within ${timeout}s" >&2
      return 1
    fi
    sleep "$POLL_SECONDS"
  done
  echo $((SECONDS - start))
}

# take_down <kind/name>: remembers its replicas for restore, scales it to zero.
take_down() {
  local target=$1 replicas
  replicas=$(kc get "$target" -o 'jsonpath={.spec.replicas}')
  if [ -z "$replicas" ] || [ "$replicas" -eq 0 ]; then die "$target has no replicas to take away"; fi
  log "2. scaling $target from $replicas to 0"
  RESTORE+=("$target $replicas")
  kc_logged scale "$target" --replicas=0
}

# see_fire <target> <alert> <service_name|''> <matcher>...: in Alertmanager, then delivered.
see_fire() {
  local target=$1 alert=$2 service=$3 seconds
  shift 3
  seconds=$(wait_alert firing "$ALERT_TIMEOUT" "$@") ||
    die "$alert did not fire within ${ALERT_TIMEOUT}s of scaling $target to zero"
  log "2. $alert firing in Alertmanager after ${seconds}s more"
  record 2 "$target to 0 -> $alert" firing "$((SECONDS - DOWN_AT))"
  seconds=$(wait_delivered "$ALERT_TIMEOUT" "$alert" firing "$service") ||
    die "$alert fired but was not delivered to the receiver within ${ALERT_TIMEOUT}s"
  record 2 "$alert delivered to the receiver" delivered "$((SECONDS - DOWN_AT))"
}

# see_resolve <target> <alert> <matcher>...: gone from Alertmanager.
see_resolve() {
  local target=$1 alert=$2
  shift 2
  wait_alert resolved "$RESOLVE_TIMEOUT" "$@" >/dev/null ||
    die "$alert did not resolve within ${RESOLVE_TIMEOUT}s of restoring $target"
  record 3 "$target restored -> $alert" resolved "$((SECONDS - UP_AT))"
}

# see_resolution_delivered <alert> [service_name]: Alertmanager sends it at the group's next
# group_interval after the firing notification.
see_resolution_delivered() {
  wait_delivered "$RESOLVE_TIMEOUT" "$1" resolved "${2:-}" >/dev/null ||
    die "$1 resolved but its resolution was not delivered within ${RESOLVE_TIMEOUT}s"
  record 3 "$1 resolution delivered to the receiver" delivered "$((SECONDS - UP_AT))"
}

main() {
  command -v "$KUBECTL" >/dev/null || die "kubectl not found ($KUBECTL)"
  command -v curl >/dev/null || die "curl not found"
  alert_count 'alertname="Watchdog"' >/dev/null ||
    die "Alertmanager does not answer at $ALERTMANAGER_URL (make cluster-up, or set ALERTMANAGER_URL)"
  "$KUBECTL" --context "$KUBE_CONTEXT" --namespace "$RECEIVER_NAMESPACE" get "$RECEIVER" >/dev/null ||
    die "no alert receiver ($RECEIVER_NAMESPACE/$RECEIVER): make cluster-up deploys it"
  log "chaos on context $KUBE_CONTEXT, namespace $NAMESPACE, Alertmanager $ALERTMANAGER_URL"

  kill_random_shop_pod

  local mysql product
  # MySQLDown is shopscope_db_up == 0, reported by the database's own service: product-service's
  # database is not a candidate, since product-service goes down with it and reports nothing.
  mysql=$(kc get statefulsets -l app.kubernetes.io/name=mysql -o name |
    grep -v '/mysql-products$' | random_line) ||
    die "no MySQL StatefulSet but product-service's in namespace $NAMESPACE"
  product=$(kc get deployments -l app.kubernetes.io/component=product-service -o name | sed -n 1p)
  [ -n "$product" ] || die "no product-service Deployment in namespace $NAMESPACE"

  DOWN_AT=$SECONDS
  take_down "$mysql"
  take_down "$product"
  see_fire "$mysql" MySQLDown "" 'alertname="MySQLDown"'
  see_fire "$product" ServiceDown product-service 'alertname="ServiceDown"' \
    'service_name="product-service"'

  log "3. restoring $mysql and $product"
  local entry
  for entry in "${RESTORE[@]}"; do kc_logged scale "${entry% *}" --replicas="${entry##* }"; done
  UP_AT=$SECONDS
  for entry in "${RESTORE[@]}"; do
    kc_logged rollout status "${entry% *}" --timeout="${ROLLOUT_TIMEOUT}s" ||
      die "${entry% *} did not come back within ${ROLLOUT_TIMEOUT}s"
  done
  RESTORE=()
  record 3 "$mysql and $product restored" ready "$((SECONDS - UP_AT))"
  see_resolve "$mysql" MySQLDown 'alertname="MySQLDown"'
  see_resolve "$product" ServiceDown 'alertname="ServiceDown"' 'service_name="product-service"'
  if [ "$AWAIT_RESOLUTION_DELIVERY" = 1 ]; then
    see_resolution_delivered MySQLDown
    see_resolution_delivered ServiceDown product-service
  fi

  log "summary (seconds since the fault, or since the repair):"
  printf '%-4s %-66s %-9s %7s\n' step action result time | stamp
  printf '%s\n' "${SUMMARY[@]}" | stamp
}

main "$@"
