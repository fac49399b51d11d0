#!/usr/bin/env bash
# Builds the shop's images with buildah from the repository's Dockerfiles, on the offline base
# images of scripts/images/base.sh, tagged localhost/shopscope/<name>:local:
#   scripts/images/build.sh [service ...]   (default: the four services + the auto-instrumentation)
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE_BASE="${NODE_BASE_IMAGE:?from mk/images.mk}"
BUSYBOX_BASE="${BUSYBOX_BASE_IMAGE:?from mk/images.mk}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frontend user-service product-service order-service autoinstrumentation-nodejs)

for name in "${targets[@]}"; do
  started=$SECONDS
  log=$(mktemp)
  if [ "$name" = autoinstrumentation-nodejs ]; then
    args=(-f services/Dockerfile --target autoinstrumentation)
  else
    args=(-f "services/$name/Dockerfile" --build-arg "SERVICE=$name")
  fi
  if buildah bud --isolation chroot --layers --build-arg "NODE_IMAGE=$NODE_BASE" \
    --build-arg "BUSYBOX_IMAGE=$BUSYBOX_BASE" "${args[@]}" \
    -t "localhost/shopscope/$name:local" . >"$log" 2>&1; then
    echo "images: localhost/shopscope/$name:local built in $((SECONDS - started)) s"
    rm -f "$log"
  else
    tail -30 "$log" >&2
    echo "images: building $name failed (full log: $log)" >&2
    exit 1
  fi
done
