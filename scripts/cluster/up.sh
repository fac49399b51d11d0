#!/usr/bin/env bash
# `make cluster-up`: `kind create cluster --config kind-config.yaml` (one control plane, two
# workers), the images onto its nodes the way kind does it (`kind load`), then deploy.sh, the one
# copy of the deploy steps. Two container engines (lib.sh decides):
#   docker   kind's own node image KIND_NODE_IMAGE and default CNI; the nodes pull upstream images.
#   podman   (root; no Docker daemon, no registry) the node image of the same Kubernetes assembled
#            here (make kind-node-image), the add-ons of cdk8s/dist/kind-addons (flannel,
#            kube-network-policies; local-path storage is in the image), the stand-ins of the
#            upstream images (make standins) loaded as archives, the in-box overlay (no Grafana/Loki).
# Idempotent: an existing cluster is reused, an archive already loaded into it is not loaded again.
. "$(dirname "$0")/lib.sh"
RUN_DIR="$ROOT/.run/cluster"
KIND="$ROOT/scripts/cluster/kind"
t0=$SECONDS
# The host's buildah (make images, make standins, their archives) keeps its own storage: not the
# podman storage of the nodes that lib.sh configured for kind (kind/env.sh). Without this, every
# cluster-up rebuilt the images and loaded each stand-in into a second copy of them.
host_buildah() { env -u CONTAINERS_CONF -u CONTAINERS_STORAGE_CONF "$@"; }

step "Checking prerequisites ($KIND_ENGINE)"
# With Docker, the laptop's own tools; on podman, kind, kubectl and helm are built here (make).
if [ "$KIND_ENGINE" = docker ]; then
  needed=(docker kind kubectl helm node npx)
  hint="helm, kind: make tools tool-kind; kubectl $KUBERNETES_VERSION"
else
  needed=(podman buildah go make node npx)
  hint="podman, buildah: scripts/install-system-deps.sh kind; Go: go.dev/dl; node: make shipped-node"
fi
missing=()
for tool in "${needed[@]}"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]} ($hint)"
if [ "$KIND_ENGINE" = podman ]; then
  [ "$(id -u)" = 0 ] || die "kind on podman runs as root here (no Docker daemon answers)"
  host_buildah make --no-print-directory kind-node-image tool-kind tool-helm
  for tool in kind kubectl helm; do command -v "$tool" >/dev/null || die "$tool missing after make kind-node-image tool-kind tool-helm"; done
fi
echo "${needed[*]}: ok"
mkdir -p "$RUN_DIR"
# KIND_NODE_IMAGE is an image built for KIND_VERSION: another kind may not boot it.
installed_kind="$(kind version | awk '{ print $2 }')"
[ "$installed_kind" = "$KIND_VERSION" ] \
  || echo "warning: kind $installed_kind, not $KIND_VERSION, the release KIND_NODE_IMAGE is built for" >&2

step "Kind cluster $CLUSTER (1 control plane, 2 workers)"
if [ "$KIND_ENGINE" = podman ]; then
  "$KIND/cluster.sh" up
  step "Pod network, NetworkPolicies, storage (cdk8s/dist/kind-addons)"
  "$KIND/addons.sh" up
elif cluster_exists; then
  echo "exists: reusing it"
else
  kind create cluster --config kind-config.yaml --image "$KIND_NODE_IMAGE" --wait 120s
fi

# kubeadm's CoreDNS may put both replicas on one worker, and keeps them on a lost node for
# Kubernetes' default 300 s: losing that worker would take every name lookup of the cluster with
# it (make chaos-node did). One replica per node, and off a lost node as fast as the shop's pods
# (the chart's nodeFailureTolerationSeconds). Its own tolerations are kept: the list is replaced.
step "CoreDNS: one replica per node, off a lost node like the shop's pods"
lost_node_seconds="$(awk '/^nodeFailureTolerationSeconds:/ { print $2 }' charts/shopscope/values.yaml)"
lost_node() { printf '{"key": "node.kubernetes.io/%s", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": %s}' "$1" "$lost_node_seconds"; }
kc -n kube-system patch deployment coredns --type strategic --patch "$(cat <<JSON
{"spec": {"template": {"spec": {
  "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
    {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
    $(lost_node not-ready), $(lost_node unreachable)],
  "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
    "whenUnsatisfiable": "DoNotSchedule", "matchLabelKeys": ["pod-template-hash"],
    "labelSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]}}}}
JSON
)"
kc -n kube-system rollout status deployment coredns --timeout 180s
kc -n kube-system get pods -l k8s-app=kube-dns -o wide

AUTOINSTRUMENTATION_IMAGE="$(awk '/^  nodejs:/ { n = 1 } n && /image:/ { print $2; exit }' operator-config/instrumentation.yaml)"
if [ "$KIND_ENGINE" = podman ]; then
  step "Stand-ins of the upstream images (make standins, cached) onto the nodes"
  host_buildah make --no-print-directory standins
  "$KIND/cluster.sh" load "${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"/standins/*.tar

  step "The service images and the auto-instrumentation image (make images) onto the nodes"
  host_buildah make --no-print-directory images
  # An archive named after the image's ID, so that an unchanged image is not loaded again. Short
  # names are docker.io's, as the kubelet resolves them (kind-values.yaml: pullPolicy Never).
  archives=()
  archive() { # <buildah image> <name in the cluster>
    local id file
    id="$(host_buildah buildah inspect --format '{{.FromImageID}}' "$1" | cut -c1-12)"
    file="$RUN_DIR/images/$(basename "${2%%:*}")-$id.tar"
    if [ ! -s "$file" ]; then
      mkdir -p "$RUN_DIR/images"
      rm -f "$RUN_DIR/images/$(basename "${2%%:*}")"-*.tar
      host_buildah buildah push --quiet "$1" "oci-archive:$file:docker.io/$2" >/dev/null
    fi
    archives+=("$file")
  }
  for service in "${SERVICES[@]}"; do archive "localhost/shopscope/$service:local" "shopscope/$service:dev"; done
  archive localhost/shopscope/autoinstrumentation-nodejs:local "$AUTOINSTRUMENTATION_IMAGE"
  "$KIND/cluster.sh" load "${archives[@]}"
else
  step "Building the service images and the auto-instrumentation image"
  for service in "${SERVICES[@]}"; do
    docker build -q -f "services/$service/Dockerfile" --build-arg SERVICE="$service" \
      --build-arg NODE_IMAGE="$NODE_IMAGE" -t "shopscope/$service:dev" .
  done
  docker build -q -f services/Dockerfile --target autoinstrumentation --build-arg NODE_IMAGE="$NODE_IMAGE" \
    --build-arg BUSYBOX_IMAGE="$BUSYBOX_IMAGE" -t "$AUTOINSTRUMENTATION_IMAGE" .

  step "Loading the images into the nodes"
  for service in "${SERVICES[@]}"; do kind load docker-image --name "$CLUSTER" "shopscope/$service:dev"; done
  kind load docker-image --name "$CLUSTER" "$AUTOINSTRUMENTATION_IMAGE"
fi

"$ROOT/scripts/cluster/deploy.sh"
echo "$((SECONDS - t0))" >"$RUN_DIR/bring-up-seconds"
echo "bring-up: $((SECONDS - t0)) s (cluster, images, deploy)"
