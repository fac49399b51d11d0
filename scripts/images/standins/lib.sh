# shellcheck shell=bash
# Helpers of scripts/images/standins/build.sh (sourced): Go binaries of a module at a version, a
# distroless-like root filesystem from Debian trixie packages, and the image built from it with
# buildah, cached as an OCI archive so that a warm run rebuilds nothing.
#
# Cache layout (SHOPSCOPE_CACHE, default ~/.cache/shopscope):
#   standins/<name>-<version>.tar   the built image (oci-archive, named with its upstream tag)
#   standins/bin/<module>@<version>/  the Go binaries
#   standins/apt/                   a private apt state for Debian trixie (downloads only)
CACHE="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
STANDINS="$CACHE/standins"
SUITE=trixie # the Debian release of gcr.io/distroless/static-debian13 and of NODE_IMAGE
BUILD_DATE="$(date -u +%Y%m%d-%H:%M:%S)"
export GOFLAGS=-mod=mod GOWORK=off

say() { echo "standins: $*" >&2; }
die() {
  say "$*"
  exit 1
}

image_exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# go_source <module> <version> <dir>: a writable copy of the module's source (the module cache is
# read-only); prints nothing. Sets ORIGIN_HASH to the release's commit when the proxy names it.
go_source() {
  local json src
  json=$(go mod download -json "$1@$2") || die "cannot download $1@$2"
  src=$(jq -r .Dir <<<"$json")
  ORIGIN_HASH=$(jq -r '.Origin.Hash // "unknown"' <<<"$json")
  [ -d "$src" ] || die "no source for $1@$2"
  mkdir -p "$3" && cp -r "$src/." "$3" && chmod -R u+w "$3"
}

# go_build <out dir> <src dir> <ldflags> <tags> <package>...: a static build the way the
# projects' release builds do it (CGO off, -trimpath), niced: the machine is shared. Without
# DWARF, as every cold Go build of the cluster: it is an eighth (node_exporter) to a quarter
# (kube-state-metrics) of the compile time, measured cold, and the images need no debugger. Only the debug info
# differs, so the cache names do not carry it.
go_build() {
  local out=$1 src=$2 ldflags=$3 tags=$4
  shift 4
  mkdir -p "$out"
  (cd "$src" && CGO_ENABLED=0 nice -n 19 go build -trimpath -gcflags=all=-dwarf=false -tags "$tags" \
    -ldflags "$ldflags" -o "$out/" "$@")
}

# The ldflags of promu (the Prometheus projects' build tool) and of the Makefiles that copy it.
prom_ldflags() { # <version without v>
  local pkg=github.com/prometheus/common/version
  printf -- '-s -w -X %s.Version=%s -X %s.Revision=%s -X %s.Branch=HEAD -X %s.BuildUser=shopscope@standins -X %s.BuildDate=%s' \
    "$pkg" "$1" "$pkg" "$ORIGIN_HASH" "$pkg" "$pkg" "$pkg" "$BUILD_DATE"
}

# deb <package> <dir>: unpacks Debian trixie's package into dir (apt-get download with a private
# state: the host may run another release); sets DEB_VERSION to the package's version.
deb() {
  local apt="$STANDINS/apt" opts
  mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/etc"
  echo "deb http://deb.debian.org/debian $SUITE main" >"$apt/etc/sources.list"
  opts=(-o "Dir::Etc::SourceList=$apt/etc/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "Dir::Cache::archives=$apt/archives"
    -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
  mkdir -p "$apt/cache"
  if [ ! -s "$apt/lists/deb.debian.org_debian_dists_${SUITE}_InRelease" ] || [ -n "$(find "$apt/lists" -maxdepth 1 -name '*InRelease' -mmin +1440)" ]; then
    apt-get "${opts[@]}" update >/dev/null || die "apt-get update ($SUITE) failed"
  fi
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get "${opts[@]}" download "$1" >/dev/null 2>&1) || die "apt-get download $1 ($SUITE) failed"
  dpkg-deb -x "$tmp"/*.deb "$2"
  export DEB_VERSION
  DEB_VERSION=$(dpkg-deb -f "$tmp"/*.deb Version)
  rm -rf "$tmp"
}

# static_rootfs <dir>: what gcr.io/distroless/static-debian13 holds that a static binary uses:
# root, nobody (65534) and nonroot (65532) users, Debian's CA bundle, /tmp, nsswitch.conf.
static_rootfs() {
  local dir=$1 tmp
  mkdir -p "$dir/etc/ssl/certs" "$dir/tmp" "$dir/home/nonroot" "$dir/root"
  chmod 1777 "$dir/tmp"
  chmod 700 "$dir/root"
  cat >"$dir/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
  cat >"$dir/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
EOF
  chown 65532:65532 "$dir/home/nonroot"
  echo 'hosts: files dns' >"$dir/etc/nsswitch.conf"
  tmp=$(mktemp -d)
  deb ca-certificates "$tmp"
  # update-ca-certificates' bundle: every Mozilla certificate the package ships, concatenated.
  find "$tmp/usr/share/ca-certificates/mozilla" -name '*.crt' | sort | xargs cat >"$dir/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$tmp"
  printf 'PRETTY_NAME="shopscope stand-in (Debian %s packages)"\nID=debian\n' "$SUITE" >"$dir/etc/os-release"
}

# glibc_rootfs <dir>: Debian trixie's C library in a static_rootfs, for a binary linked against
# it (like gcr.io/distroless/base-debian13): the shared objects, the loader, /lib64 and /lib.
glibc_rootfs() {
  local dir=$1 tmp
  tmp=$(mktemp -d)
  deb libc6 "$tmp"
  mkdir -p "$dir/usr/lib/x86_64-linux-gnu" "$dir/usr/lib64"
  cp -a "$tmp"/usr/lib/x86_64-linux-gnu/*.so* "$dir/usr/lib/x86_64-linux-gnu/"
  cp -a "$tmp"/usr/lib64/. "$dir/usr/lib64/"
  ln -sfn usr/lib64 "$dir/lib64"
  ln -sfn usr/lib "$dir/lib"
  rm -rf "$tmp"
}

# busybox_rootfs <dir>: static_rootfs plus Debian's busybox-static with every applet linked in
# /bin, like quay.io/prometheus/busybox (the base of Alertmanager and the operator images).
busybox_rootfs() {
  local dir=$1 tmp applet
  static_rootfs "$dir"
  tmp=$(mktemp -d)
  deb busybox-static "$tmp"
  mkdir -p "$dir/bin"
  install -m 0755 "$tmp/usr/bin/busybox" "$dir/bin/busybox"
  for applet in $("$dir/bin/busybox" --list); do
    [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
  done
  rm -rf "$tmp"
}

# standin <image> <archive stem> <build function> [args...]: the image in buildah's storage, from
# the cached archive when there is one, else built by the function (which must tag <image>)
# and then archived. The archive keeps the upstream name, so `ctr images import` gets it too.
standin() {
  local image=$1 stem=$2 archive
  shift 2
  archive="$STANDINS/$stem.tar"
  if [ -f "$archive" ]; then
    if image_exists "$image"; then
      say "$image: built ($archive)"
    else
      buildah pull --quiet "oci-archive:$archive" >/dev/null || die "cannot load $archive"
      image_exists "$image" || die "$archive does not hold $image"
      say "$image: loaded from $archive"
    fi
    return
  fi
  local started=$SECONDS
  say "$image: building"
  "$@"
  image_exists "$image" || die "$image was not built"
  mkdir -p "$STANDINS"
  rm -f "$archive.partial"
  buildah push --quiet "$image" "oci-archive:$archive.partial:$image" >/dev/null
  mv "$archive.partial" "$archive"
  say "$image: built in $((SECONDS - started)) s, $(du -h "$archive" | cut -f1) ($archive)"
}

# bud <image> <context dir>: buildah bud of <context>/Containerfile (FROM scratch + rootfs.tar).
bud() {
  # File capabilities kept (CoreDNS binds port 53 as non-root, like upstream's setcap).
  tar -C "$2/rootfs" --numeric-owner --xattrs --xattrs-include=security.capability -cf "$2/rootfs.tar" .
  nice -n 19 buildah bud --quiet --isolation chroot --timestamp 0 -f "$2/Containerfile" -t "$1" "$2" >/dev/null
}
