#!/usr/bin/env bash
# Builds the collector from cdk8s/collector/builder-config.yaml into a cache outside the repo, keyed
# by the manifest's hash, so every clone on this machine shares one build (it takes minutes: the
# k8sattributes processor pulls in the Kubernetes client libraries). Links it to .tools/bin.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
manifest="$root/cdk8s/collector/builder-config.yaml"
: "${OCB_VERSION:?OCB_VERSION is not set (versions.env)}"
command -v go >/dev/null || { echo "collector: Go is missing (https://go.dev/dl/), needed to build it" >&2; exit 1; }

hash="$( (cat "$manifest"; echo "$OCB_VERSION") | sha256sum | cut -c1-16)"
cache="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
dir="$cache/otelcol-$hash"
bin="$dir/build/otelcol-shopscope"
link="$root/.tools/bin/otelcol-shopscope"
test_only_unsummed=github.com/open-telemetry/opentelemetry-collector-contrib/pkg/xk8stest

if [ ! -x "$bin" ]; then
  ocb="$cache/ocb-$OCB_VERSION/builder"
  if [ ! -x "$ocb" ]; then
    echo "collector: installing the builder (OCB) $OCB_VERSION"
    # Static and -trimpath as the collector OCB builds (its defaults) and every Go build here: they
    # share the standard library's compiled packages.
    GOBIN="$(dirname "$ocb")" CGO_ENABLED=0 GOFLAGS=-mod=mod \
      go install -trimpath "go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION"
  fi
  echo "collector: building $dir (a few minutes the first time)"
  mkdir -p "$dir"
  # Build in a scratch dir and move it in place at the end: an interrupted build is never reused.
  tmp="$(mktemp -d "$cache/otelcol-build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # The manifest's stand-in for a test-only module the proxy does not serve (see its replaces).
  semconvtest=github.com/open-telemetry/opentelemetry-collector-contrib/pkg/semconvtest
  mkdir -p "$tmp/test-only/semconvtest"
  printf 'module %s\n\ngo 1.25\n' "$semconvtest" >"$tmp/test-only/semconvtest/go.mod"
  echo 'package semconvtest // never linked: imported by the tests of k8sattributes only' \
    >"$tmp/test-only/semconvtest/semconvtest.go"
  # xk8stest is a test-only dependency of k8sattributes (`go mod tidy` resolves it, the binary
  # never links it) that the checksum database does not list: exempt that one module only.
  # OCB links with -s -w: no DWARF from the compiler either (why: scripts/images/standins/lib.sh).
  (cd "$tmp" && GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}$test_only_unsummed" \
    "$ocb" --config "$manifest" --gcflags all=-dwarf=false)
  rm -rf "$dir/build"
  mv "$tmp/build" "$dir/build"
fi
mkdir -p "$(dirname "$link")"
ln -sfn "$bin" "$link"
echo "collector: $link -> $bin"
