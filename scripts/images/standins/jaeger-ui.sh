#!/usr/bin/env bash
# Jaeger's web UI (JAEGER_UI_VERSION, the jaeger-ui commit Jaeger JAEGER_MODULE_VERSION pins as its
# submodule), built and gzipped the way Jaeger's release embeds it (its Makefile's build-ui: every
# file of packages/jaeger-ui/build, `gzip --no-name`, into cmd/query/app/ui/actual). Its source is
# a GitHub download, which the build machines do not reach: the release archive is read from
# SOURCES_DIR (default ../shared/sources next to the checkout), checked against JAEGER_UI_SHA256,
# and never copied into the repo. Cached by that sha256: a warm run builds nothing.
#   scripts/images/standins/jaeger-ui.sh   prints the directory of the gzipped assets
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
while IFS='=' read -r key value; do
  [ -n "${!key:-}" ] || export "$key=$value"
done < <(grep -E '^(JAEGER_UI_[A-Z0-9_]*|NODE_VERSION)=' "$root/versions.env")
cache="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
say() { echo "jaeger-ui: $*" >&2; }
die() {
  say "$*"
  exit 1
}

out="$cache/jaeger-ui-$JAEGER_UI_VERSION-${JAEGER_UI_SHA256:0:12}"
mkdir -p "$cache"
# make test builds it twice at once (the foreground's tool-jaeger, the background's stand-ins):
# the second waits for the first and takes its result.
exec {lock}>"$out.lock"
flock "$lock"
if [ -f "$out/index.html.gz" ]; then
  echo "$out"
  exit 0
fi

# The one place the sources directory is decided (as dev/cluster/charts.ts for CHARTS_DIR).
if [ -n "${SOURCES_DIR:-}" ]; then
  [ -d "$SOURCES_DIR" ] || die "SOURCES_DIR=$SOURCES_DIR is not a directory"
  sources=$SOURCES_DIR
else
  sources="$root/../shared/sources"
fi
archive="$sources/jaeger-ui-${JAEGER_UI_VERSION#v}.tar.gz"
[ -f "$archive" ] || die "no $archive: set SOURCES_DIR to the directory holding jaeger-ui's release archive (git archive of tag $JAEGER_UI_VERSION)"
# The project's Node.js (the Makefile puts it first on PATH): the build was tried on it.
node_version=$(node --version 2>/dev/null || echo none)
wanted=${NODE_VERSION:?NODE_VERSION is not set (versions.env)}
if [ "${node_version%%.*}" != "v${wanted%%.*}" ] || ! command -v npx >/dev/null; then
  die "Node.js $node_version is not ${wanted%%.*}.x: run it with the Node.js of \`make shipped-node\` first on PATH (make does)"
fi

# Built in a scratch dir and moved in place at the end: an interrupted build is never reused.
tmp="$(mktemp -d "$cache/jaeger-ui-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# The copy is checked, then unpacked: what is built is what was checked.
cp "$archive" "$tmp/source.tar.gz"
sha=$(sha256sum "$tmp/source.tar.gz" | cut -d' ' -f1)
[ "$sha" = "$JAEGER_UI_SHA256" ] || die "$archive: sha256 $sha, not JAEGER_UI_SHA256 $JAEGER_UI_SHA256"
mkdir "$tmp/src"
tar -xzf "$tmp/source.tar.gz" -C "$tmp/src" --strip-components=1
# git archive records the commit in the archive's header.
commit=$(gzip -dc "$tmp/source.tar.gz" | git get-tar-commit-id 2>/dev/null || echo unknown)

say "building $JAEGER_UI_VERSION ($commit) into $out (a few CPU-minutes the first time)"
started=$SECONDS
cd "$tmp/src"
# npm 11 refuses its lockfile (optional platform packages the lock lacks); npm 10 accepts it.
npm=(nice -n 19 npx -y "npm@$JAEGER_UI_NPM_VERSION")
"${npm[@]}" ci --no-audit --no-fund >&2
installed=$SECONDS
# Plexus (the trace graph's layout library) first: the UI imports its build. Then the UI's own
# `npm run build` minus its REACT_APP_VSN_STATE, which it reads from git: the archive has none,
# so the same JSON (scripts/get-tracking-version.js) from the archive's tag and commit.
"${npm[@]}" run build --workspace packages/plexus >&2
version=$(node -p 'require("./package.json").version')
vsn=$(node -e 'const [v, c, t] = process.argv.slice(1)
  const changed = { hasChanged: false, files: 0, insertions: 0, deletions: 0, untracked: 0, pretty: "" }
  const remote = "github.com/jaegertracing/jaeger-ui"
  process.stdout.write(JSON.stringify({ version: v, remote, objName: c, changed, refName: t,
    pretty: [v, remote, c, t].join(" | ") }))' "$version" "${commit:0:7}" "$JAEGER_UI_VERSION")
(cd packages/jaeger-ui && NODE_ENV=production REACT_APP_VSN_STATE="$vsn" nice -n 19 ../../node_modules/.bin/vite build >&2)
[ -f packages/jaeger-ui/build/index.html ] || die "the build wrote no packages/jaeger-ui/build/index.html"
find packages/jaeger-ui/build -type f -print0 | xargs -0 gzip --no-name
rm -rf "$out" && mv packages/jaeger-ui/build "$out"
say "built in $((SECONDS - started)) s (npm ci $((installed - started)) s, build $((SECONDS - installed)) s): $(du -sh "$out" | cut -f1) gzipped"
echo "$out"
