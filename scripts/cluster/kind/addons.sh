#!/usr/bin/env bash
# The kind cluster's add-ons (cdk8s/src/charts/kind-addons-chart.ts, synthesized into
# cdk8s/dist/kind-addons): pod network (flannel), NetworkPolicy enforcement (kube-network-policies)
# and kind's local-path storage, for a cluster created with networking.disableDefaultCNI.
# make cluster-up runs `up` where kind runs on podman (also make kind-addons, make kind-addons-check):
#   addons.sh up      images onto the nodes (podman: the stand-in archives; Docker: the nodes pull),
#                     apply, wait until every node is Ready
#   addons.sh check   prove them: a pod on the other worker (routed by flannel) and a pod on the same
#                     one (cni0 bridge) reach a pod by its IP, a NetworkPolicy denying ingress stops
#                     both, a PVC of the default StorageClass binds
#   addons.sh down    delete what `up` applied (not kind's storage when kind installed it)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
set -a
# shellcheck source=versions.env
. "$root/versions.env"
set +a
if ! docker info >/dev/null 2>&1; then
  # kind on podman (scripts/cluster/kind/env.sh: the project's podman config, the provider)
  # shellcheck source=scripts/cluster/kind/env.sh
  . "$here/env.sh"
  PODMAN=1
fi
# kind of make tool-kind, kubectl of the pinned release where the source build made one
export PATH="$root/.tools/bin:${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}/kubernetes-v${KUBERNETES_VERSION#v}/bin:$PATH"
CLUSTER=$(sed -n 's/^name: *//p' "$root/kind-config.yaml")
DIST="$root/cdk8s/dist/kind-addons"
# The stand-ins' archives: build.sh's cache, or KIND_ADDONS_ARCHIVES, a directory of archives
# already built (then build.sh is not run)
STANDINS="${KIND_ADDONS_ARCHIVES:-${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}/standins}"
CHECK_NS=kind-addons-check
# The images of the add-ons, as build.sh names them (stand-in name, image).
IMAGES=("flannel $FLANNEL_IMAGE" "kube-network-policies $KUBE_NETWORK_POLICIES_IMAGE"
  "local-path-provisioner $LOCAL_PATH_PROVISIONER_IMAGE" "busybox $BUSYBOX_IMAGE")

say() { echo "kind-addons: $*" >&2; }
die() {
  say "$*"
  exit 1
}
kc() { kubectl --context "kind-$CLUSTER" "$@"; }

archive_of() { # <stand-in> <image>: its OCI archive (build.sh keeps one per name and tag)
  find "$STANDINS" -maxdepth 1 -name "$1-${2##*:}*.tar" | sort | tail -n 1
}

load_images() {
  local entry name image archive
  # build.sh names each archive after its inputs (a changed patch or left-out list is a rebuild)
  # and removes those of earlier inputs: the archive found next is the current one.
  [ -n "${KIND_ADDONS_ARCHIVES:-}" ] || "$root/scripts/images/standins/build.sh" addons busybox
  for entry in "${IMAGES[@]}"; do
    read -r name image <<<"$entry"
    archive=$(archive_of "$name" "$image")
    [ -n "$archive" ] || die "no archive of $image in $STANDINS"
    "$here/cluster.sh" load "$archive"
  done
}

# kind applies /kind/manifests/default-storage.yaml of the node image (kind's own images: the
# local-path provisioner), else a StorageClass `standard` of the in-tree host-path provisioner,
# which provisions nothing. A StorageClass's provisioner is immutable: that one is replaced.
apply_storage() {
  local provisioner
  provisioner=$(kc get storageclass standard -o jsonpath='{.provisioner}' 2>/dev/null || true)
  case $provisioner in
    rancher.io/local-path)
      say "StorageClass standard is kind's local-path storage already: kept"
      return
      ;;
    "") ;;
    *)
      say "StorageClass standard has provisioner $provisioner (kind's fallback): replaced"
      kc delete storageclass standard
      ;;
  esac
  kc apply --server-side -f "$DIST/30-storage.k8s.yaml"
  kc -n local-path-storage rollout status deployment/local-path-provisioner --timeout=300s
}

up() {
  local started=$SECONDS
  [ -f "$DIST/10-pod-network.k8s.yaml" ] || die "no $DIST: make synth"
  [ -z "${PODMAN:-}" ] || load_images
  kc apply --server-side -f "$DIST/10-pod-network.k8s.yaml" -f "$DIST/20-network-policies.k8s.yaml"
  kc -n kube-flannel rollout status daemonset/kube-flannel-ds --timeout=300s
  kc -n kube-system rollout status daemonset/kube-network-policies --timeout=300s
  kc wait --for=condition=Ready nodes --all --timeout=300s
  apply_storage
  say "up in $((SECONDS - started)) s"
  kc get nodes -o wide
}

down() {
  kc delete --ignore-not-found -f "$DIST/20-network-policies.k8s.yaml" -f "$DIST/10-pod-network.k8s.yaml"
}

# A busybox pod on a node, running `script` (root: httpd binds port 80). A node selector, not
# nodeName: a claim of the WaitForFirstConsumer class binds once the scheduler picked the node.
pod_on() { # <name> <node> <script> [claim]
  local volume="" mount=""
  if [ -n "${4:-}" ]; then
    volume=", \"volumes\": [{\"name\": \"data\", \"persistentVolumeClaim\": {\"claimName\": \"$4\"}}]"
    mount=", \"volumeMounts\": [{\"name\": \"data\", \"mountPath\": \"/data\"}]"
  fi
  kc -n "$CHECK_NS" apply -f - <<EOF
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "$1", "labels": {"app": "$1"}},
 "spec": {"nodeSelector": {"kubernetes.io/hostname": "$2"}, "restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
  "containers": [{"name": "c", "image": "$BUSYBOX_IMAGE", "command": ["sh", "-c", "$3"]$mount}]$volume}}
EOF
}

reaches() { # <from pod> <ip>: wget's exit status, 5 s to connect
  kc -n "$CHECK_NS" exec "$1" -- wget -q -T 5 -O - "http://$2/" >/dev/null 2>&1
}

check() {
  local workers server_ip
  mapfile -t workers < <(kc get nodes -l '!node-role.kubernetes.io/control-plane' -o name | sed 's|^node/||')
  [ ${#workers[@]} -ge 2 ] || die "need two workers, found: ${workers[*]}"
  kc delete namespace "$CHECK_NS" --ignore-not-found --wait=true >/dev/null
  kc create namespace "$CHECK_NS" >/dev/null
  trap 'kc delete namespace "$CHECK_NS" --ignore-not-found --wait=false >/dev/null' EXIT
  pod_on server "${workers[0]}" 'mkdir -p /www && hostname >/www/index.html && httpd -f -p 80 -h /www'
  pod_on client "${workers[1]}" 'sleep 3600'
  pod_on neighbour "${workers[0]}" 'sleep 3600'
  kc -n "$CHECK_NS" wait --for=condition=Ready pod/server pod/client pod/neighbour --timeout=120s
  kc -n "$CHECK_NS" get pods -o wide
  server_ip=$(kc -n "$CHECK_NS" get pod server -o jsonpath='{.status.podIP}')

  reaches client "$server_ip" || die "client on ${workers[1]} does not reach server $server_ip on ${workers[0]}"
  say "pod network: client on ${workers[1]} reached server $server_ip on ${workers[0]}:" \
    "$(kc -n "$CHECK_NS" exec client -- wget -q -T 5 -O - "http://$server_ip/")"
  reaches neighbour "$server_ip" || die "neighbour on ${workers[0]} does not reach server $server_ip on the same node"
  say "pod network: neighbour on ${workers[0]} reached server $server_ip on the same node"

  kc -n "$CHECK_NS" apply -f - <<EOF
{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny-server"},
 "spec": {"podSelector": {"matchLabels": {"app": "server"}}, "policyTypes": ["Ingress"]}}
EOF
  sleep 2 # kube-network-policies syncs its nftables rules on the policy's event
  if reaches client "$server_ip"; then die "NetworkPolicy deny-server applied, the client still reaches the server"; fi
  if reaches neighbour "$server_ip"; then die "NetworkPolicy deny-server applied, the neighbour still reaches the server"; fi
  say "NetworkPolicy deny-server (no ingress rule): neither the client nor the neighbour reaches the server"
  kc -n "$CHECK_NS" delete networkpolicy deny-server >/dev/null
  sleep 2
  reaches client "$server_ip" || die "NetworkPolicy deleted, the client does not reach the server again"
  say "NetworkPolicy deleted: the client reaches the server again"

  kc -n "$CHECK_NS" apply -f - <<EOF
{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
 "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "16Mi"}}}}
EOF
  pod_on writer "${workers[0]}" 'echo kept >/data/file && cat /data/file' data
  kc -n "$CHECK_NS" wait --for=jsonpath='{.status.phase}'=Succeeded pod/writer --timeout=180s
  kc -n "$CHECK_NS" get pvc data
  [ "$(kc -n "$CHECK_NS" get pvc data -o jsonpath='{.status.phase}')" = Bound ] || die "PVC data is not Bound"
  say "storage: PVC data Bound on the default StorageClass, the pod wrote: $(kc -n "$CHECK_NS" logs writer)"
}

case "${1:-}" in
  up) up ;;
  check) check ;;
  down) down ;;
  *) die "usage: addons.sh up|check|down" ;;
esac
