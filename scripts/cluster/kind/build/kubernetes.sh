#!/usr/bin/env bash
# The Kubernetes of the kind node image (scripts/cluster/kind/node-image.sh): the components of
# KUBERNETES_VERSION (versions.env) built from the Go module proxy in ONE `go build` (they share
# most packages, so one build compiles each package once), into
#   ~/.cache/shopscope/kubernetes-v<version>/bin/{kubeadm,kubelet,kubectl,kube-apiserver,
#   kube-controller-manager,kube-scheduler,kube-proxy}
# and any other command of k8s.io/kubernetes/cmd named as an argument. Only the missing ones are
# built; the Go build cache makes one more binary cheap once the others are compiled.
# k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces the 33 staging modules with local
# paths. A wrapper module requires it and points each staging module at its published release
# (v0.<minor>.<patch>), read from that release's own go.mod, so the list never goes stale.
set -euo pipefail
: "${KUBERNETES_VERSION:?from versions.env}"
command -v go >/dev/null || { echo "kubernetes: Go is missing, needed to build it" >&2; exit 1; }
version="v${KUBERNETES_VERSION#v}"
staging="v0.${version#v1.}"
cache="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
out="$cache/kubernetes-$version/bin"
components=()
for c in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl kubeadm "$@"; do
  [ -x "$out/$c" ] || components+=("$c")
done
if [ ${#components[@]} -eq 0 ]; then echo "kubernetes: $version already built in $out"; exit 0; fi

gomod=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^\s*"GoMod": "\(.*\)",$/\1/p')
[ -f "$gomod" ] || { echo "kubernetes: cannot download k8s.io/kubernetes@$version" >&2; exit 1; }
mkdir -p "$cache"
tmp="$(mktemp -d "$cache/kubernetes-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
{
  echo "module shopscope.local/kubernetes-build"
  echo
  sed -n 's/^go \(.*\)$/go \1/p' "$gomod" | sed -n 1p
  echo
  echo "require k8s.io/kubernetes $version"
  echo
  sed -n 's|^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/k8s.io/.*$|replace \1 => \1 '"$staging"'|p' "$gomod"
} >"$tmp/go.mod"
n=$(grep -c '^replace ' "$tmp/go.mod")
[ "$n" -gt 0 ] || { echo "kubernetes: no staging module found in $gomod" >&2; exit 1; }
echo "kubernetes: building ${components[*]} $version ($n staging modules at $staging; ~15 min cold on 2 cores, cached after)"
pkgs=()
for c in "${components[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
minor=${version#v1.}; minor=${minor%%.*}
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
(
  cd "$tmp"
  GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || GOFLAGS=-mod=mod go get "k8s.io/kubernetes@$version"
  # Pure Go, no cgo: the static binaries Kubernetes' own release builds ship. No DWARF: -w drops
  # it at the link anyway (why: scripts/images/standins/lib.sh, go_build).
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -gcflags=all=-dwarf=false -ldflags "-s -w$stamp" \
    -o "$tmp/bin/" "${pkgs[@]}"
)
mkdir -p "$out"
for c in "${components[@]}"; do
  mv "$tmp/bin/$c" "$out/$c"
  case $c in
    kubeadm) echo "kubeadm $("$out/$c" version -o short)" ;;
    kubectl) "$out/$c" version --client | sed -n 1p ;;
    *) "$out/$c" --version ;;
  esac
done
echo "kubernetes: built in $SECONDS s"
