#!/usr/bin/env bash
# Builds Prometheus v3 (PROMETHEUS_VERSION, the release kube-prometheus-stack runs in the cluster)
# for the local stack into a cache outside the repo, and links it to .tools/bin/prometheus3.
# Debian only packages 2.x. `go install` refuses Prometheus' module (it has replace directives),
# so a throwaway module requires it with the same directives. The web UI assets are not
# embedded (that needs an npm build of the UI): the API, rules and alerting are complete.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
: "${PROMETHEUS_VERSION:?PROMETHEUS_VERSION is not set (versions.env)}"
command -v go >/dev/null || { echo "prometheus: Go is missing (https://go.dev/dl/), needed to build it" >&2; exit 1; }

# Prometheus 3.x.y is the Go module version v0.3xx.y.
IFS=. read -r major minor patch <<<"${PROMETHEUS_VERSION#v}"
module_version="v0.$((major * 100 + minor)).$patch"
cache="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
dir="$cache/prometheus-$PROMETHEUS_VERSION"
bin="$dir/prometheus"
link="$root/.tools/bin/prometheus3"

if [ ! -x "$bin" ]; then
  echo "prometheus: building $PROMETHEUS_VERSION ($module_version) into $dir (a few minutes the first time)"
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/prometheus-build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  cat >"$tmp/go.mod" <<MOD
module shopscope.local/prometheus-build

go 1.24

// The directives of Prometheus' own go.mod at this release.
replace github.com/fsnotify/fsnotify v1.8.0 => github.com/fsnotify/fsnotify v1.7.0

exclude github.com/linode/linodego v1.0.0

exclude (
	github.com/grpc-ecosystem/grpc-gateway v1.14.7
	google.golang.org/api v0.30.0
)
MOD
  (
    cd "$tmp"
    GOFLAGS=-mod=mod go get "github.com/prometheus/prometheus/cmd/prometheus@$module_version"
    go build -o prometheus \
      -ldflags "-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}" \
      github.com/prometheus/prometheus/cmd/prometheus
  )
  mkdir -p "$dir"
  mv "$tmp/prometheus" "$bin"
fi
mkdir -p "$(dirname "$link")"
ln -sfn "$bin" "$link"
echo "prometheus: $link -> $bin ($("$bin" --version 2>&1 | head -1))"
