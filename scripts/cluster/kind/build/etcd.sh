#!/usr/bin/env bash
# The etcd of the kind node image (scripts/cluster/kind/node-image.sh packs it as the image
# kubeadm names): ETCD_VERSION (versions.env) built from the Go module proxy into
#   ~/.cache/shopscope/etcd-<version>/bin/etcd
# `go install go.etcd.io/etcd/server/v3@...` is refused (its go.mod replaces the sibling modules with
# local paths), so a wrapper module requires the server module and builds its main package: the
# siblings then come from the proxy at the versions the server requires.
set -euo pipefail
: "${ETCD_VERSION:?from versions.env}"
command -v go >/dev/null || { echo "etcd: Go is missing, needed to build it" >&2; exit 1; }
cache="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
out="$cache/etcd-$ETCD_VERSION/bin"
if [ -x "$out/etcd" ]; then echo "etcd: $ETCD_VERSION already built in $out"; exit 0; fi
mkdir -p "$cache"
tmp="$(mktemp -d "$cache/etcd-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "etcd: building $ETCD_VERSION (~2 min cold)"
(
  cd "$tmp"
  printf 'module shopscope.local/etcd-build\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >go.mod
  GOFLAGS=-mod=mod go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -gcflags=all=-dwarf=false -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3
)
mkdir -p "$out"
mv "$tmp/etcd" "$out/etcd"
"$out/etcd" --version | sed -n 1p # sed reads it all: head could end etcd with SIGPIPE (pipefail)
echo "etcd: built in $SECONDS s"
