#!/usr/bin/env bash
# Builds a command of a Go module at a pinned version when `go install module/cmd@version`
# refuses to (the module's go.mod has replace directives), e.g.
#   go-build-module.sh github.com/jaegertracing/jaeger v1.76.0 ./cmd/jaeger .tools/bin/jaeger
# Trailing arguments are replace directives to drop (local paths missing from the module zip:
# the dependency then comes from the proxy at the version go.mod requires). The source is
# copied out of the read-only module cache; the Go build cache makes rebuilds fast.
set -euo pipefail
module=$1 version=$2 package=$3 output=$4
shift 4
export GOFLAGS=-mod=mod
dir=$(go mod download -json "$module@$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "go-build-module: cannot download $module@$version" >&2; exit 1; }
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
cp -r "$dir/." "$src"
chmod -R u+w "$src"
cd "$src"
for replaced in "$@"; do go mod edit -dropreplace "$replaced"; done
mkdir -p "$(dirname "$output")"
go build -o "$output" "$package"
echo "$version" >"$output.version"
