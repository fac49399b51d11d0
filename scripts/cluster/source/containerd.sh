#!/usr/bin/env bash
# containerd of the source-built node (Debian's containerd, runc and containernetworking-plugins)
# as a plain background process with its own root, state and socket.
#
#   containerd.sh start    renders containerd.toml.in and the CNI conflist (bridge + portmap +
#                          loopback, pod subnet CONTAINERD_POD_SUBNET), starts containerd, waits
#                          for its socket, imports the stand-in archives of
#                          ~/.cache/shopscope/standins/*.tar into the k8s.io namespace; a running
#                          one is kept, and imports only the archives written since its last import
#   containerd.sh stop     removes the CRI pods (and their containers), stops exactly the process
#                          of the pid file, then removes what it created on the host: the bridge,
#                          the CNI iptables chains that were not there before start, the mounts
#                          left under $CLUSTER_RUN_DIR, and restores net.ipv4.ip_forward
#   containerd.sh status
#
# State: $CLUSTER_RUN_DIR/containerd/ (default .run/cluster/containerd): config.toml, cni/,
# containerd.sock, root/, state/, ipam/; containerd.pid and containerd.log in $CLUSTER_RUN_DIR.
# The socket for crictl: unix://$CLUSTER_RUN_DIR/containerd/containerd.sock
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
set -a
# shellcheck source=/dev/null
. "$ROOT/versions.env"
set +a
RUN_DIR="${CLUSTER_RUN_DIR:-$ROOT/.run/cluster}"
DIR="$RUN_DIR/containerd"
SOCK="$DIR/containerd.sock"
CACHE="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
STANDINS="$CACHE/standins"
CRICTL="$CACHE/crictl-$CRICTL_VERSION/bin/crictl"
CNI_BIN_DIR=/usr/lib/cni
BRIDGE="${CONTAINERD_BRIDGE:-shopscope0}"
# The node's share of the pod range 10.244.0.0/16 (the first /24 the controller-manager allocates)
POD_SUBNET="${CONTAINERD_POD_SUBNET:-10.244.0.0/24}"
READY_TIMEOUT="${CONTAINERD_READY_TIMEOUT:-60}"
PID_FILE="$RUN_DIR/containerd.pid"
HOST_DIRS="/run/containerd /var/run/netns /var/lib/cni"
LOG="$RUN_DIR/containerd.log"

die() {
  echo "containerd: $*" >&2
  exit 1
}

# shellcheck source=scripts/cluster/source/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# pid: the pid of the pid file when that process is alive and still runs containerd
pid() { pid_of "$PID_FILE" "$(command -v containerd)"; }

ctr_() { ctr --address "$SOCK" "$@"; }
crictl_() { "$CRICTL" --runtime-endpoint "unix://$SOCK" --image-endpoint "unix://$SOCK" --timeout 30s "$@"; }

# cni_chains: the names of the iptables chains whose name starts with CNI- (all tables)
cni_chains() { iptables-save 2>/dev/null | sed -n 's/^:\(CNI-[^ ]*\) .*/\1/p' | sort -u; }

render() {
  mkdir -p "$DIR/cni" "$DIR/ipam"
  sed -e "s|@DIR@|$DIR|g" -e "s|@PAUSE_IMAGE@|$PAUSE_IMAGE|g" -e "s|@CNI_BIN_DIR@|$CNI_BIN_DIR|g" \
    "$ROOT/scripts/cluster/source/containerd.toml.in" >"$DIR/config.toml"
  cat >"$DIR/cni/10-shopscope.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "shopscope",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$DIR/ipam",
        "ranges": [[{ "subnet": "$POD_SUBNET" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "loopback" }
  ]
}
JSON
}

start() {
  local missing=() p
  command -v containerd >/dev/null || missing+=(containerd)
  command -v ctr >/dev/null || missing+=("ctr (containerd)")
  command -v runc >/dev/null || missing+=(runc)
  for p in bridge portmap loopback host-local; do
    [ -x "$CNI_BIN_DIR/$p" ] || missing+=("$CNI_BIN_DIR/$p (containernetworking-plugins)")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]} (install the Debian packages: make deps-system)"
  [ "$(id -u)" = 0 ] || die "must run as root (bridge, iptables, mounts)"
  mkdir -p "$RUN_DIR"
  if p=$(pid); then
    echo "containerd: already running (pid $p, socket $SOCK)"
    import_standins --newer
    return
  fi
  render
  # What stop must restore or leave alone: the CNI chains already there, the forwarding sysctl
  # (the bridge plugin's isGateway turns it on)
  [ -f "$DIR/cni-chains.before" ] || cni_chains >"$DIR/cni-chains.before"
  [ -s "$DIR/ip_forward.before" ] || cat /proc/sys/net/ipv4/ip_forward >"$DIR/ip_forward.before"
  # Directories containerd 1.6 and its CNI library use whatever the config says (shim sockets,
  # runc state, pod netns, CNI result cache): stop removes them when start made them and they are empty
  [ -f "$DIR/host-dirs.absent" ] || for p in $HOST_DIRS; do [ -e "$p" ] || echo "$p"; done >"$DIR/host-dirs.absent"
  setsid containerd --config "$DIR/config.toml" >"$LOG" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  echo "containerd: started (pid $!, log $LOG)"
  local deadline=$((SECONDS + READY_TIMEOUT))
  until [ -S "$SOCK" ] && ctr_ version >/dev/null 2>&1; do
    if ! pid >/dev/null; then
      tail -n 20 "$LOG" >&2 || true
      die "containerd exited (log $LOG)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 "$LOG" >&2 || true
      stop
      die "containerd not ready within ${READY_TIMEOUT}s (log $LOG)"
    fi
    sleep 0.25
  done
  echo "containerd: ready, socket unix://$SOCK"
  [ -s "$STANDINS/pause-${PAUSE_IMAGE##*:}.tar" ] ||
    echo "containerd: warning: no $STANDINS/pause-${PAUSE_IMAGE##*:}.tar (the sandbox image; build it: make standins)" >&2
  import_standins
}

# Imports the stand-in archives into k8s.io: all of them, or with --newer those written since the
# last import (a stand-in rebuilt while containerd runs, e.g. by a second make cluster-up). The
# stamp is taken before the imports, so an archive written meanwhile is imported next time.
import_standins() { # [--newer]
  local f stamp="$DIR/standins.imported"
  touch "$stamp.next"
  for f in "$STANDINS"/*.tar; do
    [ -e "$f" ] || continue
    if [ "${1:-}" = --newer ] && [ -f "$stamp" ] && [ ! "$f" -nt "$stamp" ]; then continue; fi
    ctr_ -n k8s.io images import "$f" >/dev/null || die "import of $f failed"
    echo "containerd: imported $(basename "$f")"
  done
  mv "$stamp.next" "$stamp"
}

stop() {
  local p ids c m
  if p=$(pid); then
    # The pods first, while containerd runs: their containers, shims, netns, CNI teardown
    # (veth, host-local lease, the per-pod NAT chain) and shm/rootfs mounts go with them.
    if [ -x "$CRICTL" ]; then
      ids=$(crictl_ pods -q 2>/dev/null || true)
      for c in $ids; do
        crictl_ stopp "$c" >/dev/null 2>&1 || true
        crictl_ rmp -f "$c" >/dev/null 2>&1 || echo "containerd: could not remove pod $c" >&2
      done
      [ -z "$ids" ] || echo "containerd: removed pods: $(echo "$ids" | wc -w)"
    fi
    terminate containerd "$p"
    echo "containerd: stopped (pid $p)"
  fi
  rm -f "$PID_FILE"
  # Host state it created
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link delete "$BRIDGE" && echo "containerd: bridge $BRIDGE removed"
  fi
  if [ -f "$DIR/cni-chains.before" ]; then
    local chains table parent
    chains=$(comm -13 "$DIR/cni-chains.before" <(cni_chains))
    if [ -n "$chains" ]; then
      for table in nat filter mangle; do
        # the rules jumping to them first (by rule number, highest first), then the chains
        for parent in $(iptables-save -t "$table" 2>/dev/null | sed -n 's/^:\([^ ]*\) .*/\1/p'); do
          for c in $chains; do
            iptables -t "$table" -n -L "$parent" --line-numbers 2>/dev/null |
              awk -v c="$c" '$1 ~ /^[0-9]+$/ && $2 == c { print $1 }' | sort -rn |
              while read -r n; do iptables -t "$table" -D "$parent" "$n" || true; done
          done
        done
        for c in $chains; do iptables -t "$table" -F "$c" 2>/dev/null || true; done
        for c in $chains; do iptables -t "$table" -X "$c" 2>/dev/null || true; done
      done
      echo "containerd: iptables chains removed: $(echo "$chains" | tr '\n' ' ')"
    fi
    rm -f "$DIR/cni-chains.before"
  fi
  if [ -f "$DIR/ip_forward.before" ]; then
    sysctl -qw net.ipv4.ip_forward="$(cat "$DIR/ip_forward.before")" || true
    rm -f "$DIR/ip_forward.before"
  fi
  if [ -f "$DIR/host-dirs.absent" ]; then
    while read -r p; do
      if [ -d "$p" ]; then find "$p" -depth -type d -empty -delete 2>/dev/null || true; fi
    done <"$DIR/host-dirs.absent"
    rm -f "$DIR/host-dirs.absent"
  fi
  # Mounts left under the run directory (a pod containerd could not tear down), deepest first
  awk -v d="$RUN_DIR/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" || true
      echo "containerd: unmounted $m"
    done
}

status() {
  local p
  if p=$(pid); then
    if ctr_ version >/dev/null 2>&1; then
      echo "containerd: ready (pid $p, socket unix://$SOCK)"
    else
      echo "containerd: running, not ready (pid $p)"
      return 1
    fi
  else
    echo "containerd: stopped"
    return 1
  fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*) die "usage: $0 start|stop|status" ;;
esac
