#!/usr/bin/env bash
# The crictl of the kind node image (scripts/cluster/kind/node-image.sh; kind's base image has one,
# for `crictl images|ps` inside a node): CRICTL_VERSION (versions.env), the CRI client, built from
# the Go module proxy into ~/.cache/shopscope/crictl-<version>/bin/crictl
set -euo pipefail
: "${CRICTL_VERSION:?from versions.env}"
command -v go >/dev/null || { echo "crictl: Go is missing, needed to build it" >&2; exit 1; }
cache="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
out="$cache/crictl-$CRICTL_VERSION/bin"
if [ -x "$out/crictl" ]; then echo "crictl: $CRICTL_VERSION already built in $out"; exit 0; fi
echo "crictl: building $CRICTL_VERSION"
mkdir -p "$out"
CGO_ENABLED=0 GOBIN="$out" go install -trimpath -gcflags=all=-dwarf=false \
  -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" \
  "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
"$out/crictl" --version
echo "crictl: built in $SECONDS s"
