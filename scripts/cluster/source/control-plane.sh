#!/usr/bin/env bash
# The control plane of the source-built cluster as plain background processes on 127.0.0.1:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler (the binaries build-etcd.sh and
# build-kubernetes.sh put in ~/.cache/shopscope, versions from versions.env).
#
#   control-plane.sh start    certificates (pki.sh), then each process, waits until all are ready,
#                             writes $CLUSTER_RUN_DIR/admin.kubeconfig; a running one is kept
#   control-plane.sh stop [component...]  stops exactly the processes of the pid files (etcd data kept)
#   control-plane.sh status
#
# State: $CLUSTER_RUN_DIR (default .run/cluster): <component>.pid, <component>.log, etcd/ (data),
# pki/. Ports: APISERVER_PORT (6443), ETCD_PORT (2379), ETCD_PEER_PORT (2380),
# CONTROLLER_MANAGER_PORT (10257), SCHEDULER_PORT (10259); each must be free on 127.0.0.1.
# APISERVER_ADDRESS (default 127.0.0.1): the address kube-apiserver listens on and advertises (the
# endpoint of the `kubernetes` Service); the full cluster (cluster.sh) uses the node's address, which
# pods can reach, where 127.0.0.1 would be their own loopback.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
set -a
# shellcheck source=/dev/null
. "$ROOT/versions.env"
set +a
RUN_DIR="${CLUSTER_RUN_DIR:-$ROOT/.run/cluster}"
export CLUSTER_RUN_DIR="$RUN_DIR"
PKI="$RUN_DIR/pki"
CACHE="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
K8S_BIN="$CACHE/kubernetes-v${KUBERNETES_VERSION#v}/bin"
ETCD_BIN="$CACHE/etcd-$ETCD_VERSION/bin"
export APISERVER_PORT="${APISERVER_PORT:-6443}"
export APISERVER_ADDRESS="${APISERVER_ADDRESS:-127.0.0.1}"
ETCD_PORT="${ETCD_PORT:-2379}"
ETCD_PEER_PORT="${ETCD_PEER_PORT:-2380}"
CONTROLLER_MANAGER_PORT="${CONTROLLER_MANAGER_PORT:-10257}"
SCHEDULER_PORT="${SCHEDULER_PORT:-10259}"
SERVICE_CIDR=10.96.0.0/16
POD_CIDR=10.244.0.0/16
READY_TIMEOUT="${CONTROL_PLANE_READY_TIMEOUT:-180}"
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler)

die() {
  echo "control-plane: $*" >&2
  exit 1
}

binary() {
  case $1 in
  etcd) echo "$ETCD_BIN/etcd" ;;
  *) echo "$K8S_BIN/$1" ;;
  esac
}

# shellcheck source=scripts/cluster/source/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# pid <component>: the pid of its pid file when that process is alive and still runs the
# component's binary (a pid reused by something else is never signalled)
pid() { pid_of "$RUN_DIR/$1.pid" "$(binary "$1")"; }

# port_free <port> [address]
port_free() { ! (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

args() {
  case $1 in
  etcd)
    local client="https://127.0.0.1:$ETCD_PORT" peer="https://127.0.0.1:$ETCD_PEER_PORT"
    ARGS=(
      --name=shopscope --data-dir="$RUN_DIR/etcd"
      --listen-client-urls="$client" --advertise-client-urls="$client"
      --listen-peer-urls="$peer" --initial-advertise-peer-urls="$peer"
      --initial-cluster="shopscope=$peer" --initial-cluster-state=new
      --cert-file="$PKI/etcd/server.crt" --key-file="$PKI/etcd/server.key"
      --trusted-ca-file="$PKI/etcd/ca.crt" --client-cert-auth=true
      --peer-cert-file="$PKI/etcd/server.crt" --peer-key-file="$PKI/etcd/server.key"
      --peer-trusted-ca-file="$PKI/etcd/ca.crt" --peer-client-cert-auth=true
    )
    ;;
  kube-apiserver)
    # shellcheck disable=SC2054 # the commas are inside flag values
    ARGS=(
      --bind-address="$APISERVER_ADDRESS" --secure-port="$APISERVER_PORT"
      --etcd-servers="https://127.0.0.1:$ETCD_PORT" --etcd-cafile="$PKI/etcd/ca.crt"
      --etcd-certfile="$PKI/apiserver-etcd-client.crt" --etcd-keyfile="$PKI/apiserver-etcd-client.key"
      --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key"
      --client-ca-file="$PKI/ca.crt"
      --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt"
      --kubelet-client-key="$PKI/apiserver-kubelet-client.key"
      --kubelet-preferred-address-types=InternalIP,Hostname
      --service-account-issuer=https://kubernetes.default.svc.cluster.local
      --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key"
      --service-cluster-ip-range="$SERVICE_CIDR"
      --authorization-mode=Node,RBAC
      --enable-admission-plugins=NodeRestriction,PodSecurity,MutatingAdmissionWebhook,ValidatingAdmissionWebhook
      --allow-privileged=true
      --enable-bootstrap-token-auth=true
      --requestheader-client-ca-file="$PKI/front-proxy-ca.crt"
      --requestheader-allowed-names=front-proxy-client
      --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group
      --requestheader-extra-headers-prefix=X-Remote-Extra-
      --proxy-client-cert-file="$PKI/front-proxy-client.crt"
      --proxy-client-key-file="$PKI/front-proxy-client.key"
      --profiling=false
    )
    # 127.0.0.1 cannot be an endpoint: the apiserver then advertises the host's default address
    [ "$APISERVER_ADDRESS" = 127.0.0.1 ] || ARGS+=(--advertise-address="$APISERVER_ADDRESS")
    ;;
  kube-controller-manager)
    ARGS=(
      --bind-address=127.0.0.1 --secure-port="$CONTROLLER_MANAGER_PORT"
      --kubeconfig="$PKI/controller-manager.kubeconfig"
      --authentication-kubeconfig="$PKI/controller-manager.kubeconfig"
      --authorization-kubeconfig="$PKI/controller-manager.kubeconfig"
      --client-ca-file="$PKI/ca.crt" --requestheader-client-ca-file="$PKI/front-proxy-ca.crt"
      --cluster-name=shopscope
      --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key"
      --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key"
      --use-service-account-credentials=true
      --controllers='*,bootstrapsigner,tokencleaner'
      --allocate-node-cidrs=true --cluster-cidr="$POD_CIDR" --service-cluster-ip-range="$SERVICE_CIDR"
      --leader-elect=false --profiling=false
    )
    ;;
  kube-scheduler)
    ARGS=(
      --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT"
      --kubeconfig="$PKI/scheduler.kubeconfig"
      --authentication-kubeconfig="$PKI/scheduler.kubeconfig"
      --authorization-kubeconfig="$PKI/scheduler.kubeconfig"
      --leader-elect=false --profiling=false
    )
    ;;
  esac
}

# ready <component>: its health endpoint answers ok (anonymous /readyz, /healthz are allowed)
ready() {
  local url
  case $1 in
  etcd)
    url="https://127.0.0.1:$ETCD_PORT/health"
    curl -sf --max-time 5 --cacert "$PKI/etcd/ca.crt" --cert "$PKI/apiserver-etcd-client.crt" \
      --key "$PKI/apiserver-etcd-client.key" "$url" >/dev/null
    return
    ;;
  kube-apiserver) url="https://$APISERVER_ADDRESS:$APISERVER_PORT/readyz" ;;
  kube-controller-manager) url="https://127.0.0.1:$CONTROLLER_MANAGER_PORT/healthz" ;;
  kube-scheduler) url="https://127.0.0.1:$SCHEDULER_PORT/readyz" ;;
  esac
  # The controller-manager and scheduler serve with a self-signed certificate of their own.
  if [ "$1" = kube-apiserver ]; then
    curl -sf --max-time 5 --cacert "$PKI/ca.crt" "$url" >/dev/null
  else
    curl -skf --max-time 5 "$url" >/dev/null
  fi
}

port_of() {
  case $1 in
  etcd) echo "$ETCD_PORT $ETCD_PEER_PORT" ;;
  kube-apiserver) echo "$APISERVER_PORT" ;;
  kube-controller-manager) echo "$CONTROLLER_MANAGER_PORT" ;;
  kube-scheduler) echo "$SCHEDULER_PORT" ;;
  esac
}

launch() {
  local c=$1 bin p
  bin=$(binary "$c")
  if p=$(pid "$c"); then
    echo "control-plane: $c already running (pid $p)"
    return
  fi
  local address=127.0.0.1
  [ "$c" != kube-apiserver ] || address=$APISERVER_ADDRESS
  for p in $(port_of "$c"); do port_free "$p" "$address" || die "port $p on $address is in use (needed by $c)"; done
  args "$c"
  # setsid: its own session, so a terminal's Ctrl-C or the caller's exit does not reach it
  setsid "$bin" "${ARGS[@]}" >"$RUN_DIR/$c.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$c.pid"
  LAUNCHED+=("$c")
  echo "control-plane: $c started (pid $!, log $RUN_DIR/$c.log)"
}

wait_ready() {
  local c=$1 deadline=$((SECONDS + READY_TIMEOUT))
  until ready "$c"; do
    if ! pid "$c" >/dev/null; then
      tail -n 20 "$RUN_DIR/$c.log" >&2 || true
      die "$c exited (log $RUN_DIR/$c.log)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 "$RUN_DIR/$c.log" >&2 || true
      die "$c not ready within ${READY_TIMEOUT}s (log $RUN_DIR/$c.log)"
    fi
    sleep 0.5
  done
  echo "control-plane: $c ready"
}

start() {
  local c missing=()
  for c in "${COMPONENTS[@]}"; do [ -x "$(binary "$c")" ] || missing+=("$(binary "$c")"); done
  [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]} (build them: make cluster-source-build)"
  command -v curl >/dev/null || die "curl is missing"
  mkdir -p "$RUN_DIR"
  "$ROOT/scripts/cluster/source/pki.sh"
  local t0=$SECONDS
  # On any failure, stop what this run started: nothing is left half up.
  LAUNCHED=()
  trap 'if [ ${#LAUNCHED[@]} -gt 0 ]; then echo "control-plane: start failed, stopping what it started" >&2; stop "${LAUNCHED[@]}"; fi' EXIT
  for c in "${COMPONENTS[@]}"; do
    launch "$c"
    # The apiserver needs etcd, the controllers need the apiserver: start each once its
    # dependency is ready, then wait for the two controllers together.
    case $c in etcd | kube-apiserver) wait_ready "$c" ;; esac
  done
  wait_ready kube-controller-manager
  wait_ready kube-scheduler
  trap - EXIT
  cp "$PKI/admin.kubeconfig" "$RUN_DIR/admin.kubeconfig"
  echo "control-plane: ready in $((SECONDS - t0)) s; KUBECONFIG=$RUN_DIR/admin.kubeconfig"
}

# stop [component...]: the given ones (default: all), in reverse start order
stop() {
  local c p i only=" ${*:-${COMPONENTS[*]}} "
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    c=${COMPONENTS[i]}
    [[ $only == *" $c "* ]] || continue
    if p=$(pid "$c"); then
      terminate "control-plane: $c" "$p"
      echo "control-plane: $c stopped (pid $p)"
    fi
    rm -f "$RUN_DIR/$c.pid"
  done
}

status() { components_status; }

case "${1:-}" in
start) start ;;
stop)
  shift
  stop "$@"
  ;;
status) status ;;
*) die "usage: $0 start|stop|status" ;;
esac
