#!/usr/bin/env bash
# Offline stand-ins for the two upstream base images, built once per pinned version into buildah's
# local storage (this machine has no registry access, only Debian's and npm's):
#   NODE_BASE_IMAGE     Debian (debootstrap, minbase; the release NODE_IMAGE names, e.g. trixie)
#                       + Node.js NODE_VERSION (make shipped-node) + npm BASE_NPM_VERSION,
#                       like node:$NODE_VERSION-<release>-slim
#   BUSYBOX_BASE_IMAGE  Debian's busybox-static, like busybox
# The Dockerfiles take them through --build-arg NODE_IMAGE / BUSYBOX_IMAGE; nothing else differs.
set -euo pipefail
: "${NODE_VERSION:?from versions.env}" "${BASE_NPM_VERSION:?from versions.env}" "${NODE_IMAGE:?from versions.env}"
# The Debian release of the upstream image (node:<version>-<release>-slim): one pin, NODE_IMAGE.
SUITE=$(sed -n 's/.*:[0-9.]*-\([a-z]*\)-slim$/\1/p' <<<"$NODE_IMAGE")
[ -n "$SUITE" ] || { echo "images: cannot read the Debian release from NODE_IMAGE=$NODE_IMAGE" >&2; exit 1; }
# The Node.js release `make shipped-node` fetched and checked: the same binary the tests run on.
NODE_BIN="${SHIPPED_NODE_DIR:?from the Makefile (make shipped-node)}/bin/node"
NODE_BASE="${NODE_BASE_IMAGE:?from mk/images.mk}"
BUSYBOX_BASE="${BUSYBOX_BASE_IMAGE:?from mk/images.mk}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }

if exists "$NODE_BASE"; then
  echo "images: $NODE_BASE already built"
else
  echo "images: building $NODE_BASE (debootstrap $SUITE + Node.js $NODE_VERSION + npm $BASE_NPM_VERSION)"
  debootstrap --variant=minbase "$SUITE" "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  (cd "$work" && npm pack --silent "npm@$BASE_NPM_VERSION" >/dev/null)
  install -m 0755 "$NODE_BIN" "$work/rootfs/usr/local/bin/node"
  mkdir -p "$work/rootfs/usr/local/lib/node_modules/npm"
  tar xzf "$work/npm-$BASE_NPM_VERSION.tgz" -C "$work/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  # This machine reaches the npm registry through a TLS proxy its own CA bundle trusts: the
  # builds' `npm ci` needs it too. A stand-in for local builds only, never pushed.
  mkdir -p "$work/rootfs/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$work/rootfs/etc/ssl/certs/ca-certificates.crt"
  tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
  printf 'FROM scratch\nADD rootfs.tar /\nENV PATH=/usr/local/bin:/usr/bin:/bin NODE_VERSION=%s NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt\nCMD ["node"]\n' \
    "$NODE_VERSION" >"$work/Containerfile"
  buildah bud --quiet --isolation chroot -f "$work/Containerfile" -t "$NODE_BASE" "$work" >/dev/null
fi

if exists "$BUSYBOX_BASE"; then
  echo "images: $BUSYBOX_BASE already built"
else
  echo "images: building $BUSYBOX_BASE (Debian busybox-static)"
  (cd "$work" && apt-get download busybox-static >/dev/null 2>&1) \
    || { echo "images: apt-get download busybox-static failed (apt-get update?)" >&2; exit 1; }
  dpkg-deb -x "$work"/busybox-static_*.deb "$work/busybox"
  mkdir -p "$work/bb/bin"
  install -m 0755 "$work/busybox/bin/busybox" "$work/bb/bin/busybox"
  for applet in sh cp ls cat; do ln -s busybox "$work/bb/bin/$applet"; done
  tar -C "$work/bb" -cf "$work/bb.tar" .
  printf 'FROM scratch\nADD bb.tar /\nENV PATH=/bin\nCMD ["sh"]\n' >"$work/Containerfile.bb"
  buildah bud --quiet --isolation chroot -f "$work/Containerfile.bb" -t "$BUSYBOX_BASE" "$work" >/dev/null
fi
