#!/usr/bin/env bash
# Builds the shop's images with buildah from the repository's Dockerfiles, on the offline base
# images of scripts/images/base.sh, tagged localhost/shopscope/<name>:local:
#   scripts/images/build.sh [service ...]   (default: the four services + the auto-instrumentation)
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE_BASE="${NODE_BASE_IMAGE:?from mk/images.mk}"
BUSYBOX_BASE="${BUSYBOX_BASE_IMAGE:?from mk/images.mk}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  # The services of the system model (@shopscope/system), then the auto-instrumentation.
  mapfile -t targets < <(node --import tsx dev/main.ts services)
  [ ${#targets[@]} -gt 0 ] || { echo "images: dev/main.ts services named none" >&2; exit 1; }
  targets+=(autoinstrumentation-nodejs)
fi

# What a build can read: the bases' image IDs and every file of the context that git knows or
# would add (tracked or not, ignored ones left out). More than .dockerignore lets through, so an
# unneeded rebuild is possible, a stale image is not. Even with its layers cached, a rebuild
# takes ~15 s per image, and make test builds them twice (test-images, then cluster-up). Kept
# beside the image's ID in a stamp, not in a label: buildah 1.28 drops --label with --target.
id_of() { buildah inspect --type image --format '{{.FromImageID}}' "$1" 2>/dev/null; }
inputs() {
  local bases
  bases="$(id_of "$NODE_BASE") $(id_of "$BUSYBOX_BASE")" || return 1
  {
    echo "$bases"
    git ls-files -z -co --exclude-standard -- .dockerignore package.json package-lock.json \
      tsconfig.base.json services dashboards/package.json cdk8s/package.json tests/package.json | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
}
hash=unknown
if git rev-parse --git-dir >/dev/null 2>&1; then hash=$(inputs) || hash=unknown; fi
stamps="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}/images"
mkdir -p "$stamps"

for name in "${targets[@]}"; do
  started=$SECONDS
  image="localhost/shopscope/$name:local"
  if [ "$hash" != unknown ] && [ "$(cat "$stamps/$name" 2>/dev/null)" = "$hash $(id_of "$image")" ]; then
    echo "images: $image already built from these inputs ($hash)"
    continue
  fi
  log=$(mktemp)
  if [ "$name" = autoinstrumentation-nodejs ]; then
    args=(-f services/Dockerfile --target autoinstrumentation)
  else
    args=(-f "services/$name/Dockerfile" --build-arg "SERVICE=$name")
  fi
  if buildah bud --isolation chroot --layers --build-arg "NODE_IMAGE=$NODE_BASE" \
    --build-arg "BUSYBOX_IMAGE=$BUSYBOX_BASE" "${args[@]}" \
    -t "$image" . >"$log" 2>&1; then
    [ "$hash" = unknown ] || echo "$hash $(id_of "$image")" >"$stamps/$name"
    echo "images: $image built in $((SECONDS - started)) s"
    rm -f "$log"
  else
    tail -30 "$log" >&2
    echo "images: building $name failed (full log: $log)" >&2
    exit 1
  fi
done
