#!/usr/bin/env bash
# The kind node image of KUBERNETES_VERSION, assembled offline (kind build node-image needs a
# Docker daemon and registries), in podman's storage of env.sh (root):
#   localhost/shopscope/kind-node:v<KUBERNETES_VERSION>   (KIND_LOCAL_NODE_IMAGE; printed last)
# What kind's images/base Dockerfile and `kind build node-image` put in a node, from here:
# - a Debian trixie root (debootstrap) with systemd and the packages of kind's base Dockerfile,
#   containerd, runc and the CNI plugins from Debian (kind compiles its own), crictl CRICTL_VERSION;
# - kind's base files (its module, images/base/files) and its Dockerfile's set-up steps;
# - kubeadm, kubelet, kubectl and the control-plane images from the Kubernetes build
#   (build/kubernetes.sh, beside this script): kube-apiserver, -controller-manager and
#   -scheduler FROM scratch, kube-proxy on a Debian root with iptables (legacy and nft) and
#   conntrack; etcd (build/etcd.sh), CoreDNS and pause (the stand-ins), tagged as
#   `kubeadm config images list` names them, preloaded into the node's containerd as kind does.
# Two cached stages, each rebuilt only when its inputs change (their hash is the image tag or the
# stamp): the Debian roots (kind-base, kube-proxy-base: ~10 min cold) and the node (~2 min).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
while IFS='=' read -r key value; do
  [ -n "${!key:-}" ] || export "$key=$value"
done < <(grep -E '^[A-Z][A-Z0-9_]*=' "$root/versions.env")
# shellcheck source=scripts/cluster/kind/env.sh
. "$here/env.sh"
[ "$(id -u)" = 0 ] || { echo "kind node image: must run as root (debootstrap, podman)" >&2; exit 1; }

VERSION="v${KUBERNETES_VERSION#v}"
IMAGE="${KIND_LOCAL_NODE_IMAGE:-localhost/shopscope/kind-node:$VERSION}"
SUITE=trixie # kind v0.33's base image is debian:trixie-slim
MIRROR=http://deb.debian.org/debian
STATE="$KIND_CACHE/kind-node"
# kind's base Dockerfile's packages, less the storage e2e tests' (nfs-common, open-iscsi), plus
# what it builds itself: containerd, runc, the CNI plugins.
NODE_PACKAGES=(systemd conntrack iptables nftables iproute2 ethtool util-linux mount kmod libseccomp2
  pigz fuse-overlayfs e2fsprogs bash ca-certificates curl jq procps containerd runc containernetworking-plugins)
# What kube-proxy runs besides itself (upstream's distroless-iptables image: iptables in both
# modes, conntrack).
PROXY_PACKAGES=(iptables nftables conntrack ipset kmod)

# The pod network and the storage kind applies at create, baked in when given (optional; files),
# as kind's build writes its own: KIND_CNI_MANIFEST becomes /kind/manifests/default-cni.yaml,
# KIND_STORAGE_MANIFEST /kind/manifests/default-storage.yaml, and the images they name are
# preloaded from the stand-ins' archives. Without a CNI manifest the image is labelled cni=none and
# cluster.sh sets networking.disableDefaultCNI.
CNI_MANIFEST=${KIND_CNI_MANIFEST:-}
STORAGE_MANIFEST=${KIND_STORAGE_MANIFEST:-}
CNI_NAME=none
[ -z "$CNI_MANIFEST" ] || CNI_NAME=$(basename "$CNI_MANIFEST" .yaml)

say() { echo "kind-node: $*" >&2; }
die() {
  say "$*"
  exit 1
}
image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null; }
hash_of() { sha256sum | cut -c1-16; }

mkdir -p "$STATE/debs"
work=$(mktemp -d "$STATE/work.XXXXXX")
builder=""
cleanup() {
  [ -z "$builder" ] || podman rm -f "$builder" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

KIND_SRC=$(go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | jq -r .Dir)
[ -d "$KIND_SRC/images/base/files" ] || die "no images/base/files in sigs.k8s.io/kind@$KIND_VERSION"

# debootstrap_root <dir> <package...>: Debian SUITE minbase with the packages (downloads cached).
debootstrap_root() {
  local dir=$1 list
  shift
  list=$(IFS=,; echo "$*")
  nice -n 10 debootstrap --variant=minbase --cache-dir="$STATE/debs" --include="$list" "$SUITE" "$dir" "$MIRROR" \
    >"$work/debootstrap.log" 2>&1 || die "debootstrap failed: $(tail -20 "$work/debootstrap.log")"
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb
}

# cached_image <repository> <inputs hash> <build function>: <repository>:<hash>, built when absent;
# older tags of the repository are removed. Prints the image name.
cached_image() {
  local repo=$1 hash=$2 build=$3 name started=$SECONDS old
  name="$repo:$hash"
  if [ -n "$(image_id "$name")" ]; then
    say "$name: cached"
  else
    say "$name: building"
    "$build" "$name"
    [ -n "$(image_id "$name")" ] || die "$name was not built"
    say "$name: built in $((SECONDS - started)) s"
    for old in $(podman images --format '{{.Repository}}:{{.Tag}}' "$repo"); do
      [ "$old" = "$name" ] || podman rmi "$old" >/dev/null 2>&1 || true
    done
  fi
  echo "$name"
}

# The node's root: kind's base image, as its Dockerfile makes it.
build_node_base() {
  local rootfs=$work/node-root files=$KIND_SRC/images/base/files plugin
  debootstrap_root "$rootfs" "${NODE_PACKAGES[@]}"
  install -m 0755 "$files"/usr/local/bin/* "$rootfs/usr/local/bin/"
  cp -r "$files/kind" "$rootfs/kind"
  find "$rootfs/kind" -type f -exec chmod 0644 {} + && chmod 0755 "$rootfs/kind" "$rootfs"/kind/bin "$rootfs"/kind/bin/*
  install -D -m 0644 -t "$rootfs/LICENSES" "$files"/LICENSES/*
  install -m 0644 "$files/etc/crictl.yaml" "$rootfs/etc/"
  install -D -m 0644 -t "$rootfs/etc/containerd" "$files"/etc/containerd/*
  install -D -m 0644 -t "$rootfs/etc/default" "$files"/etc/default/*
  install -D -m 0644 -t "$rootfs/etc/sysctl.d" "$files"/etc/sysctl.d/*
  install -D -m 0644 -t "$rootfs/etc/systemd/system" "$files"/etc/systemd/system/*.service "$files"/etc/systemd/system/*.slice
  install -D -m 0644 -t "$rootfs/etc/systemd/system/kubelet.service.d" "$files"/etc/systemd/system/kubelet.service.d/*
  # Debian's containerd where kind's unit expects its own build; Debian's CNI plugins linked one by
  # one into /opt/cni/bin (containerd's default), which stays a directory a CNI can install into.
  ln -sf /usr/bin/containerd "$rootfs/usr/local/bin/containerd"
  mkdir -p "$rootfs/opt/cni/bin"
  for plugin in "$rootfs"/usr/lib/cni/*; do ln -sf "/usr/lib/cni/${plugin##*/}" "$rootfs/opt/cni/bin/"; done
  # The Dockerfile's RUN steps: units kind does not want, journald without kmsg, /sbin/init.
  rm -f "$rootfs"/lib/systemd/system/sysinit.target.wants/systemd-tmpfiles-setup.service \
    "$rootfs"/lib/systemd/system/multi-user.target.wants/* "$rootfs"/etc/systemd/system/*.wants/* \
    "$rootfs"/lib/systemd/system/local-fs.target.wants/* "$rootfs"/lib/systemd/system/sockets.target.wants/*udev* \
    "$rootfs"/lib/systemd/system/sockets.target.wants/*initctl* "$rootfs"/lib/systemd/system/basic.target.wants/*
  echo "ReadKMsg=no" >>"$rootfs/etc/systemd/journald.conf"
  ln -sf /usr/lib/systemd/systemd "$rootfs/sbin/init"
  chroot "$rootfs" systemctl enable kubelet.service containerd.service undo-mount-hacks.service >/dev/null 2>&1
  chroot "$rootfs" systemctl mask systemd-binfmt.service >/dev/null 2>&1
  mkdir -p "$rootfs/etc/kubernetes/manifests"
  chroot "$rootfs" ctr oci spec |
    jq '.hooks.createContainer[.hooks.createContainer| length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' |
    jq 'del(.process.rlimits)' >"$rootfs/etc/containerd/cri-base.json"
  tar -C "$rootfs" --numeric-owner --xattrs --xattrs-include='security.capability' -c . |
    podman import --change 'ENV container=docker' --change 'STOPSIGNAL SIGRTMIN+3' \
      --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' - "$1" >/dev/null
}

# kube-proxy's root: upstream's image has iptables-wrapper, which picks the mode (legacy or nft)
# of the rules already on the node; kind's entrypoint makes the same choice for the node itself.
build_proxy_base() {
  local rootfs=$work/proxy-root
  debootstrap_root "$rootfs" "${PROXY_PACKAGES[@]}"
  install -m 0755 "$here/iptables-wrapper.sh" "$rootfs/usr/sbin/iptables-wrapper"
  local tool
  for tool in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -sf iptables-wrapper "$rootfs/usr/sbin/$tool"
  done
  rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  tar -C "$rootfs" --numeric-owner -c . | podman import - "$1" >/dev/null
}

# The inputs of each stage: the functions' own text, the package lists, kind's files, the pins.
kind_files_hash() { (cd "$KIND_SRC/images/base/files" && find . -type f | sort | xargs sha256sum) | hash_of; }
base_inputs() {
  {
    declare -f debootstrap_root build_node_base
    echo "$SUITE ${NODE_PACKAGES[*]} $KIND_VERSION"
    kind_files_hash
  } | hash_of
}
proxy_inputs() {
  { declare -f debootstrap_root build_proxy_base; echo "$SUITE ${PROXY_PACKAGES[*]}"; cat "$here/iptables-wrapper.sh"; } | hash_of
}

node_base=$(cached_image localhost/shopscope/kind-base "$(base_inputs)" build_node_base)
proxy_base=$(cached_image localhost/shopscope/kube-proxy-base "$(proxy_inputs)" build_proxy_base)
[ "${1:-}" != bases ] || exit 0 # `node-image.sh bases`: the Debian roots only (no Kubernetes needed)

# The binaries (make kind-node-build, which make cluster-prebuild runs early): Kubernetes with
# kubeadm (one go build, cached), etcd, crictl.
"$here/build/kubernetes.sh" >&2
"$here/build/etcd.sh" >&2
"$here/build/crictl.sh" >&2
K8S_BIN="$KIND_CACHE/kubernetes-$VERSION/bin"
ETCD_BIN="$KIND_CACHE/etcd-$ETCD_VERSION/bin/etcd"
CRICTL_BIN="$KIND_CACHE/crictl-$CRICTL_VERSION/bin/crictl"
for f in kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
  [ -x "$K8S_BIN/$f" ] || die "$K8S_BIN/$f is missing"
done
# The stand-ins' archives (make kind-node-standins, a dependency of make kind-node-image;
# KIND_STANDINS_DIR: other directories of them, colon-separated).
IFS=: read -r -a STANDIN_DIRS <<<"${KIND_STANDINS_DIR:-$KIND_CACHE/standins}"
standin_archive() { # <image>: the stand-in archive holding it
  local a d
  for a in $(for d in "${STANDIN_DIRS[@]}"; do ls "$d"/*.tar 2>/dev/null; done); do
    if tar -xOf "$a" index.json 2>/dev/null | grep -cF "\"$1\"" >/dev/null; then echo "$a"; return; fi
  done
  die "no stand-in archive holds $1 (make kind-node-standins)"
}
PAUSE_ARCHIVE=$(standin_archive "$PAUSE_IMAGE")
COREDNS_ARCHIVE=$(standin_archive "$COREDNS_IMAGE")
mapfile -t ADDON_IMAGES < <(cat ${CNI_MANIFEST:+"$CNI_MANIFEST"} ${STORAGE_MANIFEST:+"$STORAGE_MANIFEST"} /dev/null |
  sed -n 's/^ *image: *"\{0,1\}\([^" ]*\)"\{0,1\} *$/\1/p' | sort -u)
ADDON_ARCHIVES=()
for addon_image in "${ADDON_IMAGES[@]}"; do ADDON_ARCHIVES+=("$(standin_archive "$addon_image")"); done

# The images kubeadm pulls for this version (and containerd's sandbox image: the same pause).
mapfile -t WANTED < <("$K8S_BIN/kubeadm" config images list --kubernetes-version "$VERSION" 2>/dev/null)
[ ${#WANTED[@]} -ge 6 ] || die "kubeadm config images list printed: ${WANTED[*]}"
wanted() { # <repository>: its full name in kubeadm's list
  local w
  for w in "${WANTED[@]}"; do [ "${w%:*}" != "$1" ] || { echo "$w"; return; }; done
  die "kubeadm lists no $1 image: ${WANTED[*]}"
}
[ "$(wanted registry.k8s.io/pause)" = "$PAUSE_IMAGE" ] ||
  die "kubeadm's pause is $(wanted registry.k8s.io/pause), PAUSE_IMAGE is $PAUSE_IMAGE"

node_inputs() {
  {
    declare -f build_node
    echo "$node_base $(image_id "$node_base") $(image_id "$proxy_base") ${WANTED[*]}"
    sha256sum "$K8S_BIN"/kube* "$ETCD_BIN" "$CRICTL_BIN" "$PAUSE_ARCHIVE" "$COREDNS_ARCHIVE" | cut -d' ' -f1
    echo "$CNI_NAME"
    cat ${CNI_MANIFEST:+"$CNI_MANIFEST"} ${STORAGE_MANIFEST:+"$STORAGE_MANIFEST"} /dev/null | sha256sum
    [ ${#ADDON_ARCHIVES[@]} -eq 0 ] || sha256sum "${ADDON_ARCHIVES[@]}" | cut -d' ' -f1
  } | hash_of
}

# image_archive <name> <from> <dir> <containerfile lines...>: an OCI archive of a buildah build.
image_archive() {
  local name=$1 from=$2 dir=$3
  shift 3
  { echo "FROM $from"; printf '%s\n' "$@"; } >"$dir/Containerfile"
  nice -n 10 buildah bud --quiet --isolation chroot --timestamp 0 -f "$dir/Containerfile" -t "$name" "$dir" >/dev/null
  buildah push --quiet "$name" "oci-archive:$work/archives/${name//[\/:]/_}.tar:$name" >/dev/null
  buildah rmi "$name" >/dev/null
}

# retag_archive <archive> <image in it> <new name>: the same image under kubeadm's name.
retag_archive() {
  buildah pull --quiet "oci-archive:$1" >/dev/null
  buildah tag "$2" "$3"
  buildah push --quiet "$3" "oci-archive:$work/archives/${3//[\/:]/_}.tar:$3" >/dev/null
  buildah rmi "$3" >/dev/null
  [ "$2" = "$3" ] || buildah rmi "$2" >/dev/null
}

build_node() {
  local c dir
  mkdir -p "$work/archives"
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    dir="$work/$c" && mkdir -p "$dir" && cp "$K8S_BIN/$c" "$dir/"
    image_archive "$(wanted "registry.k8s.io/$c")" scratch "$dir" "COPY $c /usr/local/bin/$c" \
      'ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "ENTRYPOINT [\"/usr/local/bin/$c\"]"
  done
  dir="$work/kube-proxy" && mkdir -p "$dir" && cp "$K8S_BIN/kube-proxy" "$dir/"
  image_archive "$(wanted registry.k8s.io/kube-proxy)" "$proxy_base" "$dir" \
    'COPY kube-proxy /usr/local/bin/kube-proxy' 'ENTRYPOINT ["/usr/local/bin/kube-proxy"]'
  dir="$work/etcd" && mkdir -p "$dir/var/lib/etcd" "$dir/tmp" && cp "$ETCD_BIN" "$dir/"
  image_archive "$(wanted registry.k8s.io/etcd)" scratch "$dir" 'COPY etcd /usr/local/bin/etcd' \
    'COPY var /var' 'COPY tmp /tmp' 'ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'ENTRYPOINT ["/usr/local/bin/etcd"]'
  retag_archive "$PAUSE_ARCHIVE" "$PAUSE_IMAGE" "$PAUSE_IMAGE"
  retag_archive "$COREDNS_ARCHIVE" "$COREDNS_IMAGE" "$(wanted registry.k8s.io/coredns/coredns)"

  # As kind's build does: a build container of the base, the binaries copied in, containerd
  # started, the archives imported (pinned, not unpacked), the container committed.
  builder=$(podman run -d --privileged --tmpfs /run --tmpfs /tmp --entrypoint /bin/sleep "$node_base" infinity)
  for c in kubeadm kubelet kubectl; do podman cp "$K8S_BIN/$c" "$builder:/usr/bin/$c"; done
  podman cp "$CRICTL_BIN" "$builder:/usr/local/bin/crictl"
  podman exec "$builder" mkdir -p /kind/manifests
  [ -z "$CNI_MANIFEST" ] || podman cp "$CNI_MANIFEST" "$builder:/kind/manifests/default-cni.yaml"
  [ -z "$STORAGE_MANIFEST" ] || podman cp "$STORAGE_MANIFEST" "$builder:/kind/manifests/default-storage.yaml"
  [ ${#ADDON_ARCHIVES[@]} -eq 0 ] || cp "${ADDON_ARCHIVES[@]}" "$work/archives/"
  podman exec "$builder" sh -euc "printf %s $VERSION >/kind/version
    sed -i 's|sandbox_image = .*|sandbox_image = \"$PAUSE_IMAGE\"|' /etc/containerd/config.toml
    nohup containerd >/tmp/containerd.log 2>&1 &
    for i in \$(seq 50); do ctr version >/dev/null 2>&1 && exit 0; sleep 0.2; done; cat /tmp/containerd.log; exit 1"
  for c in "$work"/archives/*.tar; do
    podman exec -i "$builder" ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned \
      --all-platforms --no-unpack - <"$c" >/dev/null
  done
  podman exec "$builder" ctr --namespace=k8s.io images list -q | grep -v '^sha256:' | sort >"$work/imported"
  for c in "${WANTED[@]}"; do grep -cx "$c" "$work/imported" >/dev/null || die "$c was not imported"; done
  # Stopped, its database closed: exited, a zombie of the container's `sleep`, which reaps nothing.
  podman exec "$builder" sh -c 'pkill -x containerd; while ps -C containerd -o stat= | grep -qv Z; do sleep 0.2; done'
  podman commit --quiet --change "LABEL io.shopscope.kind-node.cni=$CNI_NAME" --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' --change 'CMD []' \
    --change 'ENV container=docker' --change 'STOPSIGNAL SIGRTMIN+3' "$builder" "$1" >/dev/null
  podman rm -f "$builder" >/dev/null
  builder=""
}

inputs=$(node_inputs)
stamp="$STATE/node-image.stamp"
if [ -n "$(image_id "$IMAGE")" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs $(image_id "$IMAGE")" ]; then
  say "$IMAGE: cached ($inputs)"
else
  started=$SECONDS
  say "$IMAGE: assembling (${WANTED[*]})"
  build_node "$IMAGE"
  echo "$inputs $(image_id "$IMAGE")" >"$stamp"
  say "$IMAGE: assembled in $((SECONDS - started)) s"
  podman image prune -f >/dev/null # the image this one replaced, now untagged
fi
echo "$IMAGE"
