#!/usr/bin/env bash
# The node of the source-built cluster as plain background processes: kubelet (cgroupfs driver, the
# containerd of containerd.sh), kube-proxy (iptables mode: no IPVS here) and kube-network-policies
# (NetworkPolicy enforcement on the host, build-kube-network-policies.sh).
#
#   node.sh start    starts each process (a running one is kept) and waits until each answers;
#                    needs the control plane (started with APISERVER_ADDRESS = the node's address,
#                    as cluster.sh does) and containerd.sh's containerd
#   node.sh stop     stops exactly the processes of the pid files, removes the pods from containerd,
#                    then what the node created on the host: kube-proxy's and the kubelet's KUBE-*
#                    iptables chains, the kube-network-policies nftables table, the mounts under the
#                    node directory, its cgroups, /var/log/containers links; restores the sysctls the
#                    kubelet and kube-proxy change (kernel.panic, vm.overcommit_memory, …)
#   node.sh status
#
# State: $CLUSTER_RUN_DIR/node/ (default .run/cluster/node): kubelet.yaml, kubelet/ (root dir),
# pod-logs/; <component>.pid and <component>.log in $CLUSTER_RUN_DIR.
# CLUSTER_NODE_IP (required, mk/platform.mk's): the node's address (must be on this host: cluster.sh
# adds it to lo); KUBELET_PORT (10250, on the node's address), KUBELET_HEALTHZ_PORT (10248),
# KUBE_PROXY_HEALTHZ_PORT (10256), KUBE_PROXY_METRICS_PORT (10249), NETPOL_METRICS_PORT (9080),
# all but the first on 127.0.0.1; NODE_CGROUP_ROOT (shopscope): the cgroup the pods live under.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
set -a
# shellcheck source=/dev/null
. "$ROOT/versions.env"
set +a
RUN_DIR="${CLUSTER_RUN_DIR:-$ROOT/.run/cluster}"
DIR="$RUN_DIR/node"
PKI="$RUN_DIR/pki"
SOCK="$RUN_DIR/containerd/containerd.sock"
CACHE="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
K8S_BIN="$CACHE/kubernetes-v${KUBERNETES_VERSION#v}/bin"
NETPOL_BIN="$CACHE/kube-network-policies-$KUBE_NETWORK_POLICIES_VERSION/bin"
CRICTL="$CACHE/crictl-$CRICTL_VERSION/bin/crictl"
NODE_NAME="${CLUSTER_NODE_NAME:-shopscope-node}"
NODE_IP="${CLUSTER_NODE_IP:?the node address, from mk/platform.mk}"
KUBELET_PORT="${KUBELET_PORT:-10250}"
KUBELET_HEALTHZ_PORT="${KUBELET_HEALTHZ_PORT:-10248}"
KUBE_PROXY_HEALTHZ_PORT="${KUBE_PROXY_HEALTHZ_PORT:-10256}"
KUBE_PROXY_METRICS_PORT="${KUBE_PROXY_METRICS_PORT:-10249}"
NETPOL_METRICS_PORT="${NETPOL_METRICS_PORT:-9080}"
CGROUP_ROOT="${NODE_CGROUP_ROOT:-shopscope}"
NFQUEUE_ID=100
POD_CIDR=10.244.0.0/16
CLUSTER_DNS=10.96.0.10
READY_TIMEOUT="${NODE_READY_TIMEOUT:-120}"
COMPONENTS=(kubelet kube-proxy kube-network-policies)
# The sysctls the kubelet (setupKernelTunables) and kube-proxy may change, restored by stop
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.bridge.bridge-nf-call-iptables
  net.bridge.bridge-nf-call-ip6tables net.ipv4.conf.all.route_localnet net.netfilter.nf_conntrack_max)

die() {
  echo "node: $*" >&2
  exit 1
}

# shellcheck source=scripts/cluster/source/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

binary() {
  case $1 in
  kube-network-policies) echo "$NETPOL_BIN/kube-network-policies" ;;
  *) echo "$K8S_BIN/$1" ;;
  esac
}

# pid <component>: the pid of its pid file when that process is alive and runs the component's binary
pid() { pid_of "$RUN_DIR/$1.pid" "$(binary "$1")"; }

port_free() { ! (exec 3<>"/dev/tcp/$2/$1") 2>/dev/null; }

crictl_() { "$CRICTL" --runtime-endpoint "unix://$SOCK" --image-endpoint "unix://$SOCK" --timeout 30s "$@"; }

# The cgroup hierarchies of the host (v1 controllers, the named systemd one, the unified one)
cgroup_dirs() { awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts | sort -u; }

# kube_chains <iptables|ip6tables>: the names of its KUBE-* chains (all tables)
kube_chains() { "$1-save" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\) .*/\1/p' | sort -u; }

render() {
  mkdir -p "$DIR/kubelet" "$DIR/pod-logs"
  cat >"$DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# PID 1 is not systemd; cgroups are v1 (hybrid): the kubelet refuses v1 unless told
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_ROOT
failCgroupV1: false
containerRuntimeEndpoint: unix://$SOCK
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI/ca.crt
authorization:
  mode: Webhook
clusterDomain: cluster.local
clusterDNS: [$CLUSTER_DNS]
resolvConf: /etc/resolv.conf
podLogsDir: $DIR/pod-logs
# No swap here, but a host with swap must not stop the node
failSwapOn: false
# Nothing may lower oom_score_adj (no CAP_SYS_RESOURCE in the bounding set)
oomScoreAdj: 0
rotateCertificates: false
serverTLSBootstrap: false
# A shared build machine: evict only when really short
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  imagefs.available: 2%
  nodefs.inodesFree: 2%
imageGCHighThresholdPercent: 98
imageGCLowThresholdPercent: 95
YAML
}

args() {
  case $1 in
  kubelet)
    ARGS=(
      --config="$DIR/kubelet.yaml" --kubeconfig="$PKI/kubelet.kubeconfig"
      --root-dir="$DIR/kubelet" --cert-dir="$DIR/kubelet/pki"
      --hostname-override="$NODE_NAME" --node-ip="$NODE_IP"
    )
    ;;
  kube-proxy)
    ARGS=(
      --kubeconfig="$PKI/kube-proxy.kubeconfig" --hostname-override="$NODE_NAME"
      --proxy-mode=iptables --cluster-cidr="$POD_CIDR" --bind-address="$NODE_IP"
      --healthz-bind-address="127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT"
      --metrics-bind-address="127.0.0.1:$KUBE_PROXY_METRICS_PORT"
      # leave the host's sysctls alone: no oom_score_adj, conntrack limits, route_localnet
      --oom-score-adj=0 --conntrack-max-per-core=0 --conntrack-min=0
      --conntrack-tcp-timeout-established=0 --conntrack-tcp-timeout-close-wait=0
      --iptables-localhost-nodeports=false
      # NodePorts on the node's address only, not on every address of the host
      --nodeport-addresses=primary
    )
    ;;
  kube-network-policies)
    ARGS=(
      --kubeconfig="$PKI/kube-network-policies.kubeconfig" --hostname-override="$NODE_NAME"
      --metrics-bind-address="127.0.0.1:$NETPOL_METRICS_PORT"
      # queue NFQUEUE_ID; fail closed (a packet of a policy's pod is dropped while nothing answers)
      --nfqueue-id="$NFQUEUE_ID" --fail-open=false
      # containerd 1.6 has no NRI to ask for pod IPs; kernel >= 6.12 has the conntrack fix
      --disable-nri=true --netfilter-bug-1766-fix=false
    )
    ;;
  esac
}

ready() {
  case $1 in
  kubelet) curl -sf --max-time 5 "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz" >/dev/null ;;
  kube-proxy) curl -sf --max-time 5 "http://127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT/livez" >/dev/null ;;
  kube-network-policies) curl -sf --max-time 5 "http://127.0.0.1:$NETPOL_METRICS_PORT/metrics" >/dev/null ;;
  esac
}

ports_of() {
  case $1 in
  kubelet) echo "$NODE_IP:$KUBELET_PORT 127.0.0.1:$KUBELET_HEALTHZ_PORT" ;;
  kube-proxy) echo "127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT 127.0.0.1:$KUBE_PROXY_METRICS_PORT" ;;
  kube-network-policies) echo "127.0.0.1:$NETPOL_METRICS_PORT" ;;
  esac
}

launch() {
  local c=$1 p
  if p=$(pid "$c"); then
    echo "node: $c already running (pid $p)"
    return
  fi
  for p in $(ports_of "$c"); do
    port_free "${p##*:}" "${p%:*}" || die "port $p is in use (needed by $c)"
  done
  args "$c"
  setsid "$(binary "$c")" "${ARGS[@]}" >"$RUN_DIR/$c.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$c.pid"
  LAUNCHED+=("$c")
  echo "node: $c started (pid $!, log $RUN_DIR/$c.log)"
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
  echo "node: $c ready"
}

wait_registered() {
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$K8S_BIN/kubectl" --kubeconfig "$PKI/admin.kubeconfig" get node "$NODE_NAME" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "node $NODE_NAME not registered within ${READY_TIMEOUT}s (log $RUN_DIR/kubelet.log)"
    sleep 0.5
  done
  echo "node: $NODE_NAME registered"
}

# The pods' cgroup in every hierarchy (the kubelet insists that its cgroupRoot exists); cpuset needs
# the parent's cpus and mems before anything can join it
make_cgroups() {
  local d
  for d in $(cgroup_dirs); do
    [ -d "$d/$CGROUP_ROOT" ] && continue
    mkdir "$d/$CGROUP_ROOT"
    if [ -f "$d/cpuset.cpus" ] && [ -f "$d/$CGROUP_ROOT/cpuset.cpus" ]; then
      cat "$d/cpuset.cpus" >"$d/$CGROUP_ROOT/cpuset.cpus"
      cat "$d/cpuset.mems" >"$d/$CGROUP_ROOT/cpuset.mems"
    fi
  done
}

start() {
  local c missing=()
  for c in "${COMPONENTS[@]}"; do [ -x "$(binary "$c")" ] || missing+=("$(binary "$c")"); done
  [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]} (build them: make cluster-source-build)"
  [ "$(id -u)" = 0 ] || die "must run as root (cgroups, iptables, nftables, mounts)"
  command -v curl >/dev/null || die "curl is missing"
  command -v iptables >/dev/null || die "iptables is missing"
  [ -s "$PKI/kubelet.kubeconfig" ] || die "no $PKI/kubelet.kubeconfig: start the control plane first (cluster.sh up)"
  local server
  server=$(sed -n 's/^ *server: https:\/\/\(.*\):[0-9]*$/\1/p' "$PKI/kubelet.kubeconfig")
  [ "$server" = "$NODE_IP" ] ||
    die "the kubeconfigs name the apiserver at $server, not the node's address $NODE_IP: pods could not reach it (start the control plane with APISERVER_ADDRESS=$NODE_IP, as cluster.sh up does)"
  ip -o addr show to "$NODE_IP" | grep -c . >/dev/null || die "$NODE_IP is not an address of this host (cluster.sh up adds it to lo)"
  [ -S "$SOCK" ] || die "no containerd socket $SOCK (containerd.sh start)"
  mkdir -p "$DIR"
  render
  # What stop must restore: the sysctls, the KUBE-* chains already there, /var/log/containers
  if [ ! -f "$DIR/sysctl.before" ]; then
    for c in "${SYSCTLS[@]}"; do
      sysctl -n "$c" >/dev/null 2>&1 && echo "$c=$(sysctl -n "$c")"
    done >"$DIR/sysctl.before"
  fi
  [ -f "$DIR/kube-chains.before" ] || kube_chains iptables >"$DIR/kube-chains.before"
  [ -f "$DIR/kube6-chains.before" ] || kube_chains ip6tables >"$DIR/kube6-chains.before"
  [ -f "$DIR/var-log-containers.before" ] || { [ -d /var/log/containers ] && echo yes || echo no; } >"$DIR/var-log-containers.before"
  # the kubelet's device-plugin socket lives in /var/lib/kubelet whatever its --root-dir
  [ -f "$DIR/var-lib-kubelet.before" ] || { [ -d /var/lib/kubelet ] && echo yes || echo no; } >"$DIR/var-lib-kubelet.before"
  # Pods reach Services on the same bridge only when bridged traffic passes iptables
  sysctl -qw net.bridge.bridge-nf-call-iptables=1
  make_cgroups
  "$K8S_BIN/kubectl" --kubeconfig "$PKI/admin.kubeconfig" apply -f "$ROOT/scripts/cluster/source/netpol-rbac.yaml" >/dev/null ||
    die "cannot apply netpol-rbac.yaml (is the apiserver up?)"
  LAUNCHED=()
  trap 'if [ ${#LAUNCHED[@]} -gt 0 ]; then echo "node: start failed, stopping what it started" >&2; stop "${LAUNCHED[@]}"; fi' EXIT
  for c in "${COMPONENTS[@]}"; do
    launch "$c"
    wait_ready "$c"
    # kube-proxy looks up its Node at start: the kubelet registers it first
    [ "$c" != kubelet ] || wait_registered
  done
  trap - EXIT
}

# remove_chains <iptables|ip6tables> <chain...>: in every table, the rules jumping to them, then the
# chains themselves
remove_chains() {
  local ipt=$1 table rule rules c
  shift
  [ $# -gt 0 ] || return 0
  for table in raw mangle nat filter security; do
    "$ipt" -t "$table" -S >/dev/null 2>&1 || continue
    for c in "$@"; do
      rules=$("$ipt" -t "$table" -S 2>/dev/null | grep -E -- "^-A [^ ]+ .*-[jg] $c( |\$)" || true)
      while read -r rule; do
        [ -z "$rule" ] || eval "\"$ipt\" -t $table -D ${rule#-A }" 2>/dev/null || true
      done <<<"$rules"
    done
    for c in "$@"; do "$ipt" -t "$table" -F "$c" 2>/dev/null || true; done
    for c in "$@"; do "$ipt" -t "$table" -X "$c" 2>/dev/null || true; done
  done
}

# stop [component...]: the given ones (default: all, then the host state the node created)
stop() {
  local c p i all=1 only=" ${*:-${COMPONENTS[*]}} " ids
  [ $# -eq 0 ] || all=0
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    c=${COMPONENTS[i]}
    [[ $only == *" $c "* ]] || continue
    if p=$(pid "$c"); then
      terminate "node: $c" "$p"
      echo "node: $c stopped (pid $p)"
    fi
    rm -f "$RUN_DIR/$c.pid"
  done
  [ "$all" = 1 ] || return 0
  # The pods, now that no kubelet recreates them: their containers, netns, CNI state, mounts
  if [ -S "$SOCK" ] && [ -x "$CRICTL" ]; then
    ids=$(crictl_ pods -q 2>/dev/null || true)
    for c in $ids; do
      crictl_ stopp "$c" >/dev/null 2>&1 || true
      crictl_ rmp -f "$c" >/dev/null 2>&1 || echo "node: could not remove pod $c" >&2
    done
    [ -z "$ids" ] || echo "node: removed pods: $(echo "$ids" | wc -w)"
  fi
  # kube-proxy's rules (its own cleanup), then any KUBE-* chain that was not there before start
  if [ -x "$K8S_BIN/kube-proxy" ] && [ -f "$DIR/kube-chains.before" ]; then
    "$K8S_BIN/kube-proxy" --cleanup --proxy-mode=iptables >>"$RUN_DIR/kube-proxy.log" 2>&1 || true
  fi
  local chains
  if [ -f "$DIR/kube-chains.before" ]; then
    chains=$(comm -13 "$DIR/kube-chains.before" <(kube_chains iptables))
    # shellcheck disable=SC2086 # one word per chain
    remove_chains iptables $chains
    [ -z "$chains" ] || echo "node: iptables chains removed: $(echo "$chains" | tr '\n' ' ')"
    rm -f "$DIR/kube-chains.before"
  fi
  if [ -f "$DIR/kube6-chains.before" ]; then
    chains=$(comm -13 "$DIR/kube6-chains.before" <(kube_chains ip6tables))
    # shellcheck disable=SC2086
    remove_chains ip6tables $chains
    [ -z "$chains" ] || echo "node: ip6tables chains removed: $(echo "$chains" | tr '\n' ' ')"
    rm -f "$DIR/kube6-chains.before"
  fi
  # kube-network-policies removes its table when it stops (fail closed); if it was killed, --cleanup
  if [ -x "$(binary kube-network-policies)" ]; then
    local out
    out=$("$(binary kube-network-policies)" --cleanup 2>>"$RUN_DIR/kube-network-policies.log" || true)
    [[ $out != *"table deleted"* ]] || echo "node: nftables table kube-network-policies removed (left by a killed process)"
  fi
  # The kubelet's links to the container logs
  local l
  if [ -d /var/log/containers ]; then
    for l in /var/log/containers/*; do
      [ -L "$l" ] && [[ "$(readlink "$l")" == "$DIR/"* ]] && rm -f "$l"
    done
    if [ "$(cat "$DIR/var-log-containers.before" 2>/dev/null)" = no ]; then
      rmdir /var/log/containers 2>/dev/null || true
    fi
  fi
  rm -f "$DIR/var-log-containers.before"
  if [ -S /var/lib/kubelet/device-plugins/kubelet.sock ]; then
    rm -f /var/lib/kubelet/device-plugins/kubelet.sock
    if [ "$(cat "$DIR/var-lib-kubelet.before" 2>/dev/null)" = no ]; then
      # only empty directories: nothing of anyone else's
      find /var/lib/kubelet -depth -type d -empty -delete 2>/dev/null || true
    fi
  fi
  rm -f "$DIR/var-lib-kubelet.before"
  # Mounts under the node directory (the kubelet's rshared root, volumes), deepest first
  awk -v d="$DIR/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" || true
      echo "node: unmounted $m"
    done
  # The pods' cgroups, deepest first (empty once the pods are gone)
  local d
  for d in $(cgroup_dirs); do
    [ -d "$d/$CGROUP_ROOT" ] || continue
    find "$d/$CGROUP_ROOT" -depth -type d -exec rmdir {} \; 2>/dev/null ||
      echo "node: cgroup $d/$CGROUP_ROOT still in use" >&2
  done
  if [ -f "$DIR/sysctl.before" ]; then
    while IFS='=' read -r c p; do
      [ "$(sysctl -n "$c" 2>/dev/null)" = "$p" ] || sysctl -qw "$c=$p" || true
    done <"$DIR/sysctl.before"
    rm -f "$DIR/sysctl.before"
  fi
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
