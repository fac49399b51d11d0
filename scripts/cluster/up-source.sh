#!/usr/bin/env bash
# `make cluster-up` where Docker does not run: the source-built cluster (make cluster-source-up),
# the images of `make images` imported into its containerd under the names the charts use, then
# deploy.sh with the in-box overlay (in-box-values.yaml). Root only. Idempotent.
. "$(dirname "$0")/lib.sh"
RUN_DIR="${CLUSTER_RUN_DIR:-$ROOT/.run/cluster}"
SOCK="$RUN_DIR/containerd/containerd.sock"
CACHE="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
export PATH="$CACHE/kubernetes-v${KUBERNETES_VERSION#v}/bin:$PATH" # kubectl of the built release
VOLUMES=4 # the three MySQL claims, and one spare
t0=$SECONDS

step "Stand-ins of the upstream images (make standins; containerd imports them when it starts)"
make --no-print-directory standins

step "Source-built cluster (make cluster-source-up)"
make --no-print-directory cluster-source-up

step "Building the service images and the auto-instrumentation image (make images)"
make --no-print-directory images

step "Importing the images into the node's containerd (k8s.io), named as the charts use them"
# kind-values.yaml: image shopscope/<service>:dev, pullPolicy Never; the Instrumentation: its
# nodejs image. Short names are docker.io's, as the kubelet resolves them.
AUTOINSTRUMENTATION_IMAGE="$(awk '/^  nodejs:/ { n = 1 } n && /image:/ { print $2; exit }' operator-config/instrumentation.yaml)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
import() { # <buildah image> <name in the cluster>
  buildah push --quiet "$1" "oci-archive:$tmp/image.tar:docker.io/$2" >/dev/null
  ctr --address "$SOCK" -n k8s.io images import "$tmp/image.tar" >/dev/null
  rm -f "$tmp/image.tar"
  echo "imported $1 as docker.io/$2"
}
for service in "${SERVICES[@]}"; do import "localhost/shopscope/$service:local" "shopscope/$service:dev"; done
import localhost/shopscope/autoinstrumentation-nodejs:local "$AUTOINSTRUMENTATION_IMAGE"

export KUBECONFIG="$RUN_DIR/admin.kubeconfig"
CONTEXT="$(kubectl config current-context)"

step "Storage: a default StorageClass and $VOLUMES hostPath PersistentVolumes"
# What kind's local-path-provisioner gives the MySQL StatefulSets' claims (1Gi each; Loki's 2Gi is
# left out in-box): static volumes under $RUN_DIR/volumes, bound when a pod is scheduled. hostPath
# gets no fsGroup, so the directories are world-writable (MySQL runs as 999).
for i in $(seq 1 "$VOLUMES"); do
  mkdir -p "$RUN_DIR/volumes/pv-$i" && chmod 0777 "$RUN_DIR/volumes/pv-$i"
  cat <<YAML
---
apiVersion: v1
kind: PersistentVolume
metadata: { name: shopscope-pv-$i, labels: { app.kubernetes.io/part-of: shopscope-source-cluster } }
spec:
  storageClassName: standard
  capacity: { storage: 2Gi }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: { path: $RUN_DIR/volumes/pv-$i, type: Directory }
YAML
done | kubectl apply -f -
kubectl apply -f - <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: { storageclass.kubernetes.io/is-default-class: "true" }
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
YAML
export CONTEXT IN_BOX=1
"$ROOT/scripts/cluster/deploy.sh"
echo "$((SECONDS - t0))" >"$RUN_DIR/bring-up-seconds"
echo "bring-up: $((SECONDS - t0)) s (cluster, images, deploy)"
