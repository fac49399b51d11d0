#!/usr/bin/env bash
# Builds Prometheus v3 (PROMETHEUS_VERSION, the release kube-prometheus-stack runs in the cluster)
# and its promtool for the local stack, with the web UI embedded, into a cache outside the repo
# keyed by the version; links them to .tools/bin/prometheus3 and .tools/bin/promtool (first on
# the Makefile's PATH: the rules are checked by the release that runs them). Debian only packages
# 2.x. It is Prometheus' own release build: the UI (web/ui, a pnpm workspace with its lockfile)
# is built with pnpm PNPM_VERSION from the npm registry, gzipped and embedded by
# scripts/compress_assets.sh, then `go build -tags builtinassets` inside a copy of the module
# source (the module's go.mod, replace and exclude directives included, is the one that builds).
# Service discovery: only Kubernetes (what prometheus-operator's configs use) besides the built-in
# static, file and http, with the build tags Prometheus' README documents (remove_all_sd,
# enable_kubernetes_sd). The cloud SDs' clients (GCE's compute API, AWS, Azure, ...) are 60 % of
# the build's Go source: leaving them out saves minutes of a cold `make test` on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
: "${PROMETHEUS_VERSION:?PROMETHEUS_VERSION is not set (versions.env)}"
: "${PNPM_VERSION:?PNPM_VERSION is not set (versions.env)}"
command -v go >/dev/null || { echo "prometheus: Go is missing (https://go.dev/dl/), needed to build it" >&2; exit 1; }
command -v npm >/dev/null || { echo "prometheus: npm is missing, needed to build the web UI" >&2; exit 1; }

# Prometheus 3.x.y is the Go module version v0.3xx.y.
IFS=. read -r major minor patch <<<"${PROMETHEUS_VERSION#v}"
module=github.com/prometheus/prometheus
module_version="v0.$((major * 100 + minor)).$patch"
cache="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
# Its .promu.yml's tags (netgo, builtinassets), and static (CGO off) as promu builds it; -trimpath
# as every Go build here, so all of them share the standard library's compiled packages.
tags=netgo,builtinassets,remove_all_sd,enable_kubernetes_sd
# Named after the build: a warm cache built otherwise is not reused.
dir="$cache/prometheus-$PROMETHEUS_VERSION-static-ui-k8s-sd"
ui_dir="$cache/prometheus-ui-$PROMETHEUS_VERSION"
pnpm_dir="$cache/pnpm-$PNPM_VERSION"
bin_dir="$root/.tools/bin"

# A copy of the module source (the module cache is read-only) in a scratch dir of the cache.
module_copy() {
  local src
  src=$(GOFLAGS=-mod=mod go mod download -json "$module@$module_version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] || { echo "prometheus: cannot download $module@$module_version" >&2; exit 1; }
  cp -r "$src/." "$1" && chmod -R u+w "$1"
}
mkdir -p "$cache"
# Build in scratch dirs and move results in place at the end: an interrupted build is never reused.
tmp="$(mktemp -d "$cache/prometheus-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# The UI's gzipped assets and the embed.go listing them, cached apart: the UI build is the slow part.
if [ ! -f "$ui_dir/embed.go" ]; then
  echo "prometheus: building the web UI of $PROMETHEUS_VERSION into $ui_dir (minutes the first time)"
  if [ ! -x "$pnpm_dir/node_modules/.bin/pnpm" ]; then
    echo "prometheus: installing pnpm $PNPM_VERSION (the UI's lockfile is pnpm's)"
    rm -rf "$pnpm_dir" && mkdir -p "$pnpm_dir"
    npm install --silent --no-save --no-package-lock --prefix "$pnpm_dir" "pnpm@$PNPM_VERSION"
  fi
  module_copy "$tmp/ui-src"
  (
    export PATH="$pnpm_dir/node_modules/.bin:$PATH"
    cd "$tmp/ui-src/web/ui"
    pnpm install --frozen-lockfile --reporter=append-only --store-dir "$cache/pnpm-store"
    # Only the current UI: the old React app is behind a feature flag we never set.
    CI="" pnpm run build:mantine-ui
    cd ../..
    bash scripts/compress_assets.sh # the module zip keeps no file modes
  )
  mkdir -p "$tmp/ui" && mv "$tmp/ui-src/web/ui/static" "$tmp/ui-src/web/ui/embed.go" "$tmp/ui/"
  rm -rf "$ui_dir" && mv "$tmp/ui" "$ui_dir"
fi

if [ ! -x "$dir/prometheus" ] || [ ! -x "$dir/promtool" ]; then
  echo "prometheus: building $PROMETHEUS_VERSION ($module_version) with the UI embedded into $dir"
  module_copy "$tmp/src"
  cp -r "$ui_dir/static" "$ui_dir/embed.go" "$tmp/src/web/ui/"
  (
    cd "$tmp/src"
    ldflags="-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}"
    # The module's own go.mod builds (its go.work would pull in its example modules).
    # No DWARF, as the cluster's Go builds (why: scripts/images/standins/lib.sh, go_build).
    CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=mod go build -trimpath -gcflags=all=-dwarf=false -tags "$tags" \
      -ldflags "$ldflags" -o "$tmp/out/" \
      ./cmd/prometheus ./cmd/promtool
  )
  rm -rf "$dir" && mkdir -p "$dir"
  mv "$tmp/out/prometheus" "$tmp/out/promtool" "$dir/"
fi
mkdir -p "$bin_dir"
ln -sfn "$dir/prometheus" "$bin_dir/prometheus3"
ln -sfn "$dir/promtool" "$bin_dir/promtool"
echo "prometheus: $bin_dir/prometheus3, $bin_dir/promtool -> $dir ($("$dir/prometheus" --version 2>&1 | sed -n 1p))"
