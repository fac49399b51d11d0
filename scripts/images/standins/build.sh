#!/usr/bin/env bash
# Offline stand-ins for the upstream images the manifests and charts run, built from the same
# release's sources (Go module proxy) or from Debian trixie packages, tagged with the exact name
# the cluster references, and cached as OCI archives (lib.sh). A warm run loads or keeps them.
#   scripts/images/standins/build.sh [stand-in ...]   (default: all; `list` prints the names)
# Image names come from versions.env and the charts' defaults (repositories of kube-prometheus-stack
# 88.5.3 and opentelemetry-operator 0.101.0); tests/cluster/standins.test.ts checks them against
# the rendered charts.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# versions.env fills in every pin the environment (make's export) does not set.
while IFS='=' read -r key value; do
  [ -n "${!key:-}" ] || export "$key=$value"
done < <(grep -E '^[A-Z][A-Z0-9_]*=' "$root/versions.env")
# shellcheck source=scripts/images/standins/lib.sh
. "$here/lib.sh"
command -v jq >/dev/null || die "jq is missing"

# The Go-built ones longest first (their cold builds, `build.sh binaries`, in this order).
ALL=(pause busybox jaeger opentelemetry-operator prometheus-operator prometheus-config-reloader
  kube-state-metrics victorialogs alertmanager coredns node-exporter kube-webhook-certgen
  opentelemetry-collector prometheus mysql locust)
# The kind cluster's add-ons where it runs without kindnetd (cdk8s/src/charts/kind-addons-chart.ts):
# built only when named or with `build.sh addons` (make kind-addons-images), not by default; their
# binaries with `build.sh binaries addons` (make cluster-prebuild).
ADDONS=(flannel kube-network-policies local-path-provisioner)

image_of() {
  case $1 in
    pause) echo "$PAUSE_IMAGE" ;;
    busybox) echo "$BUSYBOX_IMAGE" ;;
    prometheus) echo "quay.io/prometheus/prometheus:$PROMETHEUS_VERSION-distroless" ;;
    alertmanager) echo "quay.io/prometheus/alertmanager:$ALERTMANAGER_VERSION" ;;
    node-exporter) echo "quay.io/prometheus/node-exporter:$NODE_EXPORTER_VERSION-distroless" ;;
    kube-state-metrics) echo "registry.k8s.io/kube-state-metrics/kube-state-metrics:$KUBE_STATE_METRICS_VERSION" ;;
    prometheus-operator) echo "quay.io/prometheus-operator/prometheus-operator:$PROMETHEUS_OPERATOR_VERSION" ;;
    prometheus-config-reloader) echo "quay.io/prometheus-operator/prometheus-config-reloader:$PROMETHEUS_OPERATOR_VERSION" ;;
    kube-webhook-certgen) echo "$KUBE_WEBHOOK_CERTGEN_IMAGE" ;;
    opentelemetry-operator) echo "ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator:${OTEL_OPERATOR_VERSION#v}" ;;
    opentelemetry-collector) echo "$OTELCOL_CONTRIB_IMAGE" ;;
    jaeger) echo "$JAEGER_IMAGE" ;;
    victorialogs) echo "$VICTORIALOGS_IMAGE" ;;
    locust) echo "$LOCUST_IMAGE" ;;
    coredns) echo "$COREDNS_IMAGE" ;;
    mysql) echo "$MYSQL_IMAGE" ;;
    flannel) echo "$FLANNEL_IMAGE" ;;
    kube-network-policies) echo "$KUBE_NETWORK_POLICIES_IMAGE" ;;
    local-path-provisioner) echo "$LOCAL_PATH_PROVISIONER_IMAGE" ;;
    *) die "unknown stand-in $1 (known: ${ALL[*]} ${ADDONS[*]})" ;;
  esac
}

# Context directory of one image build, removed on exit.
work=$(mktemp -d "${TMPDIR:-/tmp}/standins.XXXXXX")
trap 'rm -rf "$work"' EXIT
context() {
  rm -rf "${work:?}/$1" && mkdir -p "$work/$1/rootfs" && echo "$work/$1"
}
containerfile() { # <context> <lines...>
  local ctx=$1
  shift
  {
    echo 'FROM scratch'
    echo 'ADD rootfs.tar /'
    printf '%s\n' "$@"
    echo 'LABEL io.shopscope.standin="true"'
  } >"$ctx/Containerfile"
}

# A Go binary set of module@version, built once into the cache (bin dir printed).
go_bins() { # <module> <version> <ldflags function> <tags> <package>...
  local module=$1 version=$2 ldflags_fn=$3 tags=$4
  shift 4
  local out="$STANDINS/bin/${module//\//_}@$version${BINS_VARIANT:-}" lock
  mkdir -p "$STANDINS/bin"
  # make test asks for some twice at once (tool-jaeger in the foreground, `binaries` in the
  # background): the second waits for the first build and takes it. go_bins runs in a command
  # substitution, whose exit releases the lock.
  exec {lock}>"$out.lock"
  flock "$lock"
  if [ -f "$out/.done" ]; then
    echo "$out"
    return
  fi
  local src="$work/src-${module//\//_}" started=$SECONDS
  rm -rf "$src" "$out"
  go_source "$module" "$version" "$src"
  [ "$ldflags_fn" = none ] || "$ldflags_fn" "$src" >"$work/ldflags" || die "$ldflags_fn failed"
  say "go build $module@$version $* (niced)"
  # || die: go_bins runs in command substitutions, where errexit is off, and a failed build must
  # not be marked done.
  go_build "$out" "$src" "$(cat "$work/ldflags" 2>/dev/null)" "$tags" "$@" >&2 || die "go build $module@$version failed"
  touch "$out/.done"
  rm -f "$work/ldflags"
  say "$module@$version built in $((SECONDS - started)) s"
  echo "$out"
}
ld_prom() { prom_ldflags "$(tr -d ' \n' <"$1/VERSION")"; }

build_pause() {
  local ctx
  ctx=$(context pause)
  # The upstream pause.c's behaviour: sleep until SIGINT/SIGTERM, reap children, -v for the version.
  nice -n 19 gcc -static -Os -s -DVERSION="\"${PAUSE_IMAGE##*:}\"" -o "$ctx/rootfs/pause" "$here/pause.c"
  containerfile "$ctx" 'USER 65535:65535' 'ENTRYPOINT ["/pause"]'
  bud "$1" "$ctx"
}

build_busybox() {
  local ctx tmp applet
  ctx=$(context busybox)
  tmp=$(mktemp -d "$work/bb.XXXX")
  deb busybox-static "$tmp"
  [[ "$DEB_VERSION" == *":${BUSYBOX_IMAGE##*:}-"* ]] || die "Debian $SUITE's busybox is $DEB_VERSION, not ${BUSYBOX_IMAGE##*:}"
  mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/etc" "$ctx/rootfs/tmp" "$ctx/rootfs/root" "$ctx/rootfs/home"
  chmod 1777 "$ctx/rootfs/tmp"
  install -m 0755 "$tmp/usr/bin/busybox" "$ctx/rootfs/bin/busybox"
  for applet in $("$ctx/rootfs/bin/busybox" --list); do
    [ -e "$ctx/rootfs/bin/$applet" ] || ln "$ctx/rootfs/bin/busybox" "$ctx/rootfs/bin/$applet"
  done
  # The official image's users and groups (root, daemon, bin, sys, sync, mail, www-data, operator, nobody).
  cat >"$ctx/rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
EOF
  printf '%s\n' root:x:0: daemon:x:1: bin:x:2: sys:x:3: adm:x:4: tty:x:5: disk:x:6: wheel:x:10: mail:x:8: \
    www-data:x:33: operator:x:37: staff:x:50: users:x:100: nogroup:x:65533: nobody:x:65534: >"$ctx/rootfs/etc/group"
  containerfile "$ctx" 'CMD ["sh"]'
  bud "$1" "$ctx"
}

bins_node_exporter() { go_bins github.com/prometheus/node_exporter "$NODE_EXPORTER_VERSION" ld_prom netgo .; }
build_node_exporter() {
  local ctx bins
  bins=$(bins_node_exporter)
  ctx=$(context node-exporter)
  static_rootfs "$ctx/rootfs"
  install -D -m 0755 "$bins/node_exporter" "$ctx/rootfs/bin/node_exporter"
  containerfile "$ctx" 'USER 65532:65532' 'EXPOSE 9100' 'ENTRYPOINT ["/bin/node_exporter"]'
  bud "$1" "$ctx"
}

ld_alertmanager() {
  # No UI of this release that lists alerts can be built offline (README.md, "Alertmanager's web
  # UI"): a placeholder page is embedded instead; the API is unchanged.
  mkdir -p "$1/ui/app/dist"
  printf '<!doctype html><title>Alertmanager</title><p>Stand-in image: web UI not built, use /api/v2.</p>\n' |
    gzip -9n >"$1/ui/app/dist/index.html.gz"
  ld_prom "$1"
}
bins_alertmanager() { go_bins github.com/prometheus/alertmanager "$ALERTMANAGER_VERSION" ld_alertmanager netgo ./cmd/alertmanager ./cmd/amtool; }
build_alertmanager() {
  local ctx bins src
  bins=$(bins_alertmanager)
  ctx=$(context alertmanager)
  busybox_rootfs "$ctx/rootfs"
  install -m 0755 "$bins/alertmanager" "$bins/amtool" "$ctx/rootfs/bin/"
  src=$(go mod download -json "github.com/prometheus/alertmanager@$ALERTMANAGER_VERSION" | jq -r .Dir)
  install -D -m 0644 "$src/examples/ha/alertmanager.yml" "$ctx/rootfs/etc/alertmanager/alertmanager.yml"
  mkdir -p "$ctx/rootfs/alertmanager"
  chown -R 65534:65534 "$ctx/rootfs/etc/alertmanager" "$ctx/rootfs/alertmanager"
  chmod -R g+w "$ctx/rootfs/alertmanager"
  containerfile "$ctx" 'USER nobody' 'EXPOSE 9093' 'VOLUME ["/alertmanager"]' 'WORKDIR /alertmanager' \
    'ENTRYPOINT ["/bin/alertmanager"]' 'CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]'
  bud "$1" "$ctx"
}

ld_ksm() {
  local pkg=github.com/prometheus/common/version client_go
  client_go=$(cd "$1" && go list -m -f '{{.Version}}' k8s.io/client-go)
  printf -- '-s -w -X %s.Version=%s -X %s.Revision=%s -X %s.Branch=HEAD -X %s.BuildUser=shopscope@standins -X %s.BuildDate=%s -X k8s.io/kube-state-metrics/v2/pkg/app.ClientGoVersion=%s' \
    "$pkg" "$KUBE_STATE_METRICS_VERSION" "$pkg" "$ORIGIN_HASH" "$pkg" "$pkg" "$pkg" "$BUILD_DATE" "$client_go"
}
bins_kube_state_metrics() { go_bins k8s.io/kube-state-metrics/v2 "$KUBE_STATE_METRICS_VERSION" ld_ksm "" .; }
build_kube_state_metrics() {
  local ctx bins
  bins=$(bins_kube_state_metrics)
  ctx=$(context kube-state-metrics)
  static_rootfs "$ctx/rootfs"
  install -m 0755 "$bins/kube-state-metrics" "$ctx/rootfs/kube-state-metrics"
  containerfile "$ctx" 'USER nobody' 'EXPOSE 8080 8081' \
    'ENTRYPOINT ["/kube-state-metrics", "--port=8080", "--telemetry-port=8081"]'
  bud "$1" "$ctx"
}

# prometheus-operator's go.mod replaces its pkg/apis/monitoring and pkg/client modules with local
# paths: the source copy drops those replaces and requires them at the same release instead.
ld_operator() {
  local m
  for m in pkg/apis/monitoring pkg/client; do
    (cd "$1" && go mod edit -dropreplace "github.com/prometheus-operator/prometheus-operator/$m" \
      -require "github.com/prometheus-operator/prometheus-operator/$m@$PROMETHEUS_OPERATOR_VERSION")
  done
  ld_prom "$1"
}
bins_prometheus_operator() {
  go_bins github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION" ld_operator "" \
    ./cmd/operator ./cmd/prometheus-config-reloader
}
build_prometheus_operator() {
  local ctx bins
  bins=$(bins_prometheus_operator)
  ctx=$(context prometheus-operator)
  busybox_rootfs "$ctx/rootfs"
  install -m 0755 "$bins/operator" "$ctx/rootfs/bin/operator"
  containerfile "$ctx" 'USER 65534' 'ENTRYPOINT ["/bin/operator"]'
  bud "$1" "$ctx"
}
build_prometheus_config_reloader() {
  local ctx bins
  bins=$(bins_prometheus_operator)
  ctx=$(context prometheus-config-reloader)
  busybox_rootfs "$ctx/rootfs"
  install -m 0755 "$bins/prometheus-config-reloader" "$ctx/rootfs/bin/prometheus-config-reloader"
  containerfile "$ctx" 'USER nobody' 'ENTRYPOINT ["/bin/prometheus-config-reloader"]'
  bud "$1" "$ctx"
}

# The operator's Makefile stamps its version and the default operand images from versions.txt.
ld_otel_operator() {
  local pkg=github.com/open-telemetry/opentelemetry-operator/internal/version key var flags
  flags="-s -w -X $pkg.version=${OTEL_OPERATOR_VERSION#v} -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  for key in opentelemetry-collector:otelCol targetallocator:targetAllocator operator-opamp-bridge:operatorOpAMPBridge \
    autoinstrumentation-java:autoInstrumentationJava autoinstrumentation-nodejs:autoInstrumentationNodeJS \
    autoinstrumentation-python:autoInstrumentationPython autoinstrumentation-dotnet:autoInstrumentationDotNet \
    autoinstrumentation-go:autoInstrumentationGo autoinstrumentation-apache-httpd:autoInstrumentationApacheHttpd \
    autoinstrumentation-nginx:autoInstrumentationNginx; do
    var=$(awk -F= -v k="${key%%:*}" '$1 == k {print $2}' "$1/versions.txt")
    [ -n "$var" ] || die "versions.txt has no ${key%%:*}"
    flags+=" -X $pkg.${key#*:}=$var"
  done
  echo "$flags"
}
bins_opentelemetry_operator() { go_bins github.com/open-telemetry/opentelemetry-operator "$OTEL_OPERATOR_VERSION" ld_otel_operator "" .; }
build_opentelemetry_operator() {
  local ctx bins
  bins=$(bins_opentelemetry_operator)
  ctx=$(context opentelemetry-operator)
  static_rootfs "$ctx/rootfs"
  install -m 0755 "$bins/opentelemetry-operator" "$ctx/rootfs/manager"
  containerfile "$ctx" 'WORKDIR /' 'USER 65532:65532' 'ENTRYPOINT ["/manager"]'
  bud "$1" "$ctx"
}

# CoreDNS with the plugins of kubeadm's default Corefile only: the CoreDNS kind's nodes run
# (scripts/cluster/kind/node-image.sh preloads this stand-in under the tag kubeadm names, and
# kubeadm deploys it with that Corefile), built the way CoreDNS documents a custom build:
# plugin.cfg cut down, then its `go generate`. The cloud and tracing plugins (route53, azure,
# clouddns, trace, ...) are a third of the full build's Go source.
KUBEADM_DNS_MANIFESTS=cmd/kubeadm/app/phases/addons/dns/manifests.go
corefile_plugins() {
  # kubeadm's Corefile of KUBERNETES_VERSION (the k8s.io/kubernetes module, which the node
  # image's build downloads too): the directives of its server block, the lines indented 8
  # spaces in the CoreDNSConfigMap template (sub-directives are indented further, template
  # actions start with `{{`).
  local dir
  dir=$(go mod download -json "k8s.io/kubernetes@v${KUBERNETES_VERSION#v}" | jq -r .Dir) ||
    die "cannot download k8s.io/kubernetes@v${KUBERNETES_VERSION#v}"
  [ -f "$dir/$KUBEADM_DNS_MANIFESTS" ] || die "no $KUBEADM_DNS_MANIFESTS in k8s.io/kubernetes@v${KUBERNETES_VERSION#v}"
  awk '/^\tCoreDNSConfigMap = `/ { in_map = 1; next } in_map && /^`/ { exit }
    in_map && /Corefile: \|/ { in_corefile = 1; next }
    in_corefile && /^        [a-z]/ { print $1 }' "$dir/$KUBEADM_DNS_MANIFESTS" | sort -u
}
ld_coredns() {
  local plugins
  plugins=$(corefile_plugins)
  [ -n "$plugins" ] || die "no plugin found in kubeadm's Corefile ($KUBEADM_DNS_MANIFESTS)"
  awk -F: 'NR == FNR { keep[$1] = 1; next } /^#/ || !NF || ($1 in keep)' <(echo "$plugins") \
    "$1/plugin.cfg" >"$1/plugin.cfg.cut"
  mv "$1/plugin.cfg.cut" "$1/plugin.cfg"
  [ "$(grep -c '^[a-z]' "$1/plugin.cfg")" = "$(wc -l <<<"$plugins")" ] ||
    die "CoreDNS $COREDNS_IMAGE lacks a plugin of the Corefile's: $(tr '\n' ' ' <<<"$plugins")"
  (cd "$1" && nice -n 19 go generate coredns.go) >&2 || die "CoreDNS: go generate failed"
  printf -- '-s -w -X github.com/coredns/coredns/coremain.GitCommit=%s' "${ORIGIN_HASH:0:7}"
}
# Binaries and image are named after the plugin set: a Corefile with other plugins is a new build.
# Callers check its status: a command substitution would hide the failure (no errexit there).
coredns_variant() {
  local plugins
  plugins=$(corefile_plugins) || exit 1
  [ -n "$plugins" ] || die "no plugin found in kubeadm's Corefile ($KUBEADM_DNS_MANIFESTS)"
  echo "corefile-$(sha256sum <<<"$plugins" | cut -c1-8)"
}
bins_coredns() {
  local variant
  variant=$(coredns_variant) || exit 1
  BINS_VARIANT="-$variant" go_bins github.com/coredns/coredns "${COREDNS_IMAGE##*:}" ld_coredns "" .
}
build_coredns() {
  local ctx bins
  bins=$(bins_coredns)
  ctx=$(context coredns)
  static_rootfs "$ctx/rootfs"
  install -m 0755 "$bins/coredns" "$ctx/rootfs/coredns"
  setcap cap_net_bind_service=+ep "$ctx/rootfs/coredns" # as upstream's Dockerfile does
  containerfile "$ctx" 'USER nonroot:nonroot' 'WORKDIR /' 'EXPOSE 53 53/udp' 'ENTRYPOINT ["/coredns"]'
  bud "$1" "$ctx"
}

# Prometheus with its web UI, the build of scripts/local/build-prometheus.sh (`make prometheus`,
# cached: this only links it), as the collector's.
prometheus_bin() {
  "$root/scripts/local/build-prometheus.sh" >&2
  dirname "$(readlink -f "$root/.tools/bin/prometheus3")"
}
build_prometheus() {
  local ctx bins src
  bins=$(prometheus_bin)
  if [ ! -x "$bins/prometheus" ] || [ ! -x "$bins/promtool" ]; then
    die "no prometheus and promtool in $bins"
  fi
  ctx=$(context prometheus)
  static_rootfs "$ctx/rootfs"
  # Static, as upstream's; a dynamic build (an older cache) would need the C library.
  if readelf -l "$bins/prometheus" | grep -c 'program interpreter' >/dev/null; then glibc_rootfs "$ctx/rootfs"; fi
  install -m 0755 "$bins/prometheus" "$bins/promtool" -t "$ctx/rootfs/bin" -D
  IFS=. read -r major minor patch <<<"${PROMETHEUS_VERSION#v}"
  src=$(go mod download -json "github.com/prometheus/prometheus@v0.$((major * 100 + minor)).$patch" | jq -r .Dir)
  install -D -m 0644 "$src/documentation/examples/prometheus.yml" "$ctx/rootfs/etc/prometheus/prometheus.yml"
  install -m 0644 "$src/LICENSE" "$src/NOTICE" "$ctx/rootfs/"
  mkdir -p "$ctx/rootfs/prometheus"
  containerfile "$ctx" 'USER 65532:65532' 'WORKDIR /prometheus' 'EXPOSE 9090' 'ENTRYPOINT ["/bin/prometheus"]' \
    'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]'
  bud "$1" "$ctx"
}

# MySQL: Debian trixie's MariaDB behind the official image's entrypoint (mysql/), on the Debian
# stand-in base that `make images` builds (scripts/images/base.sh), copied into an empty image.
build_mysql() {
  local base="localhost/shopscope-node:${NODE_IMAGE##*:}"
  image_exists "$base" || die "$base is missing: run \`make images\` (scripts/images/base.sh) first"
  nice -n 19 buildah bud --quiet --isolation chroot --build-arg "BASE=$base" \
    --build-arg "STANDS_FOR=$1" -f "$here/mysql/Containerfile" -t "$1" "$here/mysql" >"$work/mysql.log" 2>&1 ||
    die "$(tail -30 "$work/mysql.log")"
}

# kube-prometheus-stack's admission-webhook certificate Jobs (helm hooks of every install and
# upgrade): github.com/jkroepke/kube-webhook-certgen is not on the Go module proxy, so our own
# source (certgen/: its create, patch and version commands, standard library only). Upstream's
# image is FROM scratch with the binary alone, run as root (the chart's Job sets its user).
certgen_hash() { cat "$here"/certgen/go.mod "$here"/certgen/*.go | sha256sum | cut -c1-12; }
build_kube_webhook_certgen() {
  local ctx
  ctx=$(context kube-webhook-certgen)
  (cd "$here/certgen" && CGO_ENABLED=0 nice -n 19 go build -trimpath -gcflags=all=-dwarf=false -o "$ctx/rootfs/kube-webhook-certgen" \
    -ldflags "-s -w -X main.Version=${KUBE_WEBHOOK_CERTGEN_IMAGE##*:} -X main.BuildTime=$(date -u +%Y-%m-%dT%H:%M:%SZ)" .)
  containerfile "$ctx" 'ENTRYPOINT ["/kube-webhook-certgen"]'
  bud "$1" "$ctx"
}

# The collector of the OpenTelemetryCollector CR (and the operator's default collector image):
# the repo's own build of cdk8s/collector/builder-config.yaml (`make collector`, cached: this only
# links it), the contrib components of our pipeline at OTELCOL_CONTRIB_IMAGE's release, packaged
# as the contrib image is (scratch + CA bundle, /otelcol-contrib, 10001:10001).
collector_bin() {
  "$root/scripts/local/build-collector.sh" >&2
  readlink -f "$root/.tools/bin/otelcol-shopscope"
}
build_opentelemetry_collector() {
  local ctx bin
  bin=$(collector_bin)
  "$bin" --version | grep -cx "otelcol-shopscope version $OTELCOL_VERSION" >/dev/null ||
    die "$bin is not version $OTELCOL_VERSION: $("$bin" --version)"
  [ "${OTELCOL_CONTRIB_IMAGE##*:}" = "$OTELCOL_VERSION" ] ||
    die "OTELCOL_CONTRIB_IMAGE ($OTELCOL_CONTRIB_IMAGE) is not release $OTELCOL_VERSION"
  ctx=$(context opentelemetry-collector)
  static_rootfs "$ctx/rootfs"
  if readelf -l "$bin" | grep -c 'program interpreter' >/dev/null; then glibc_rootfs "$ctx/rootfs"; fi
  install -m 0755 "$bin" "$ctx/rootfs/otelcol-contrib"
  install -D -m 0644 "$here/collector/config.yaml" "$ctx/rootfs/etc/otelcol-contrib/config.yaml"
  containerfile "$ctx" 'USER 10001:10001' 'EXPOSE 4317 4318 13133' 'ENTRYPOINT ["/otelcol-contrib"]' \
    'CMD ["--config", "/etc/otelcol-contrib/config.yaml"]'
  bud "$1" "$ctx"
}

# Jaeger v2 (the all-in-one `jaeger` binary): its module tags release 2.x.y as v1.(x+63).y
# (JAEGER_MODULE_VERSION, the one `make tools` builds). Release build flags of its Makefile
# (CGO off, -trimpath, version ldflags, no -s -w), with the real web UI embedded as its release
# does (jaeger-ui.sh builds and gzips it into cmd/query/app/ui/actual). Without the contrib add-ons no
# config here uses (Kafka, Zipkin, Jaeger-protocol receivers, sigv4 auth, tail sampling,
# filter/attributes processors, Prometheus exporter, spanmetrics): a quarter of its Go source, the
# longest of the cold stand-in builds. Its own extensions, storage backends and the core
# components stay.
JAEGER_LEFT_OUT=(kafkareceiver kafkaexporter zipkinreceiver jaegerreceiver sigv4authextension
  tailsamplingprocessor attributesprocessor filterprocessor prometheusexporter spanmetricsconnector)
ld_jaeger() {
  local pkg=github.com/jaegertracing/jaeger/internal/version c ui
  local components=$1/cmd/jaeger/internal/components.go
  for c in "${JAEGER_LEFT_OUT[@]}"; do
    # Its import line and its factory's line; a release without it fails here, not silently.
    [ "$(grep -cw "$c" "$components")" = 2 ] || die "$components does not list $c once (import + factory)"
    sed -i "/\b$c\b/d" "$components"
  done
  ui=$("$here/jaeger-ui.sh") || die "the Jaeger UI build failed"
  # assets.go embeds actual/* and serves it when actual/index.html.gz exists.
  cp -r "$ui/." "$1/cmd/query/app/ui/actual/"
  [ -f "$1/cmd/query/app/ui/actual/index.html.gz" ] || die "$ui has no index.html.gz"
  printf -- '-X %s.commitSHA=%s -X %s.latestVersion=v%s -X %s.date=%s' "$pkg" "$ORIGIN_HASH" \
    "$pkg" "${JAEGER_IMAGE##*:}" "$pkg" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
# Binaries and image are named after the components left out and the UI's source: another list
# or UI is another build (a warm cache of the placeholder build is not reused).
jaeger_variant() {
  echo "without-$(printf '%s\n' "${JAEGER_LEFT_OUT[@]}" | sha256sum | cut -c1-8)-ui-${JAEGER_UI_SHA256:0:12}"
}
bins_jaeger() {
  BINS_VARIANT="-$(jaeger_variant)" \
    go_bins github.com/jaegertracing/jaeger "$JAEGER_MODULE_VERSION" ld_jaeger "" ./cmd/jaeger
}
build_jaeger() {
  local ctx bins src tmp release=${JAEGER_IMAGE##*:} major minor patch
  IFS=. read -r major minor patch <<<"$release"
  [ "$major" = 2 ] || die "JAEGER_IMAGE $release is not a Jaeger v2 release"
  [ "$JAEGER_MODULE_VERSION" = "v1.$((minor + 63)).$patch" ] ||
    die "JAEGER_IMAGE $release is not JAEGER_MODULE_VERSION $JAEGER_MODULE_VERSION (2.x.y = v1.(x+63).y)"
  bins=$(bins_jaeger)
  ctx=$(context jaeger)
  static_rootfs "$ctx/rootfs"
  tmp=$(mktemp -d "$work/media-types.XXXX")
  deb media-types "$tmp" # /etc/mime.types, which upstream's base takes from Alpine's mailcap
  install -m 0644 "$tmp/etc/mime.types" "$ctx/rootfs/etc/mime.types"
  src=$(go mod download -json "github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION" | jq -r .Dir)
  install -D -m 0755 "$bins/jaeger" "$ctx/rootfs/cmd/jaeger/jaeger-linux"
  install -m 0644 "$src/cmd/jaeger/sampling-strategies.json" "$ctx/rootfs/cmd/jaeger/"
  containerfile "$ctx" 'ENV JAEGER_LISTEN_HOST=0.0.0.0' \
    'EXPOSE 5778 5779 4317 4318 14268 14250 9411 16686 13132 13133' 'VOLUME ["/tmp"]' \
    'ENTRYPOINT ["/cmd/jaeger/jaeger-linux"]' 'USER 10001'
  bud "$1" "$ctx"
}

# VictoriaLogs (VICTORIALOGS_VERSION): the single-node `victoria-logs` binary, with the version
# ldflags of its Makefile (`APP_NAME=victoria-logs make app-local`); its web UI (vmui) is embedded
# from the module's app/vlselect/vmui.
ld_victorialogs() {
  printf -- "-X 'github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-logs-%s-tags-%s'" \
    "$(date -u +%Y%m%d-%H%M%S)" "$VICTORIALOGS_VERSION"
}
bins_victorialogs() {
  go_bins github.com/VictoriaMetrics/VictoriaLogs "$VICTORIALOGS_VERSION" ld_victorialogs "" ./app/victoria-logs
}
# Packaged as upstream's app/victoria-logs/multiarch/Dockerfile does: the binary as
# /victoria-logs-prod on distroless static (root, as upstream: the StatefulSet runs it as nobody),
# port 9428, data under the working directory unless -storageDataPath says otherwise.
build_victorialogs() {
  local ctx bins
  [ "${VICTORIALOGS_IMAGE##*:}" = "$VICTORIALOGS_VERSION" ] ||
    die "VICTORIALOGS_IMAGE ($VICTORIALOGS_IMAGE) is not VICTORIALOGS_VERSION $VICTORIALOGS_VERSION"
  bins=$(bins_victorialogs)
  ctx=$(context victorialogs)
  static_rootfs "$ctx/rootfs"
  install -m 0755 "$bins/victoria-logs" "$ctx/rootfs/victoria-logs-prod"
  containerfile "$ctx" 'EXPOSE 9428' 'ENTRYPOINT ["/victoria-logs-prod"]'
  bud "$1" "$ctx"
}

# Locust (LOCUST_IMAGE): the PyPI release LOCUST_VERSION in a venv on Debian trixie's Python, on
# the Debian base of scripts/images/base.sh (as MySQL's), with upstream's locust user (uid 1000),
# workdir and entrypoint (locust/Containerfile).
build_locust() {
  local base="localhost/shopscope-node:${NODE_IMAGE##*:}"
  image_exists "$base" || die "$base is missing: run \`make images\` (scripts/images/base.sh) first"
  [ "${LOCUST_IMAGE##*:}" = "$LOCUST_VERSION" ] || die "LOCUST_IMAGE ($LOCUST_IMAGE) is not LOCUST_VERSION $LOCUST_VERSION"
  nice -n 19 buildah bud --quiet --isolation chroot --build-arg "BASE=$base" --build-arg "STANDS_FOR=$1" \
    --build-arg "LOCUST_VERSION=$LOCUST_VERSION" -f "$here/locust/Containerfile" -t "$1" "$here/locust" \
    >"$work/locust.log" 2>&1 || die "$(tail -30 "$work/locust.log")"
}

# flannel (FLANNEL_IMAGE), the kind cluster's pod network: flanneld and install-conf as upstream's
# images/Dockerfile builds them, without the backends that cannot be built here: Tencent Cloud VPC
# (its SDK module is refused by the Go module proxy) and UDP (cgo only on amd64; release builds
# use cgo, ours are static). host-gw, vxlan, ipip, ipsec, wireguard and extension stay.
FLANNEL_LEFT_OUT=(tencentvpc udp)
ld_flannel() {
  local b
  for b in "${FLANNEL_LEFT_OUT[@]}"; do
    [ "$(grep -c "flannel/pkg/backend/$b\"" "$1/main.go")" = 1 ] || die "flannel's main.go does not import backend $b once"
    sed -i "/flannel\/pkg\/backend\/$b\"/d" "$1/main.go"
  done
  printf -- '-s -w -X github.com/flannel-io/flannel/pkg/version.Version=%s' "${FLANNEL_IMAGE##*:}"
}
flannel_variant() { echo "without-$(printf '%s\n' "${FLANNEL_LEFT_OUT[@]}" | sha256sum | cut -c1-8)"; }
bins_flannel() {
  BINS_VARIANT="-$(flannel_variant)" go_bins github.com/flannel-io/flannel "${FLANNEL_IMAGE##*:}" ld_flannel "" . ./cmd/install_conf
}
# Upstream's runtime is Alpine (busybox) with iptables and kubernetes-sigs' iptables-wrapper, which
# picks the node's iptables mode (legacy or nft) on first use: here Debian's busybox and iptables,
# and the kind kube-proxy image's wrapper (scripts/cluster/kind/iptables-wrapper.sh), the same
# choice in sh.
build_flannel() {
  local ctx bins pkg cmd
  bins=$(bins_flannel)
  ctx=$(context flannel)
  busybox_rootfs "$ctx/rootfs"
  glibc_rootfs "$ctx/rootfs"
  for pkg in iptables libip4tc2 libip6tc2 libxtables12 libmnl0 libnftnl11 libnetfilter-conntrack3 libnfnetlink0 netbase; do
    deb "$pkg" "$ctx/rootfs"
  done
  install -D -m 0755 "$bins/flannel" "$ctx/rootfs/opt/bin/flanneld"
  install -m 0755 "$bins/install_conf" "$ctx/rootfs/opt/bin/install-conf"
  install -m 0755 "$root/scripts/cluster/kind/iptables-wrapper.sh" "$ctx/rootfs/usr/sbin/iptables-wrapper"
  for cmd in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -sf iptables-wrapper "$ctx/rootfs/usr/sbin/$cmd"
  done
  chroot "$ctx/rootfs" /usr/sbin/xtables-nft-multi iptables --version >/dev/null ||
    die "flannel: iptables does not run in the image (a library missing?)"
  containerfile "$ctx" 'ENTRYPOINT ["/opt/bin/flanneld"]'
  bud "$1" "$ctx"
}

# kube-network-policies (KUBE_NETWORK_POLICIES_IMAGE): the binary of kube-network-policies/build.sh
# (with its patch: kind's nodes share this kernel, which has no nft queue expression), packaged as
# upstream's Dockerfile does (/bin/netpol on distroless static). Named after the patch: another
# patch is another build.
KUBE_NETWORK_POLICIES_DIR=$here/kube-network-policies
kube_network_policies_patch() {
  echo "patch-$(sha256sum "$KUBE_NETWORK_POLICIES_DIR/kube-network-policies.patch" | cut -c1-12)"
}
bins_kube_network_policies() {
  [ "${KUBE_NETWORK_POLICIES_IMAGE##*:}" = "$KUBE_NETWORK_POLICIES_VERSION" ] ||
    die "KUBE_NETWORK_POLICIES_IMAGE ($KUBE_NETWORK_POLICIES_IMAGE) is not KUBE_NETWORK_POLICIES_VERSION"
  nice -n 19 "$KUBE_NETWORK_POLICIES_DIR/build.sh" >&2
  echo "$CACHE/kube-network-policies-$KUBE_NETWORK_POLICIES_VERSION/bin"
}
build_kube_network_policies() {
  local ctx bins
  bins=$(bins_kube_network_policies)
  ctx=$(context kube-network-policies)
  static_rootfs "$ctx/rootfs"
  install -D -m 0755 "$bins/kube-network-policies" "$ctx/rootfs/bin/netpol"
  containerfile "$ctx" 'CMD ["/bin/netpol"]'
  bud "$1" "$ctx"
}

# local-path-provisioner (LOCAL_PATH_PROVISIONER_IMAGE), the kind cluster's storage: rancher's
# scripts/build flags (static, -s -w, main.VERSION), its binary where its Alpine image has it.
ld_local_path_provisioner() { printf -- '-s -w -X main.VERSION=%s' "${LOCAL_PATH_PROVISIONER_IMAGE##*:}"; }
bins_local_path_provisioner() {
  go_bins github.com/rancher/local-path-provisioner "${LOCAL_PATH_PROVISIONER_IMAGE##*:}" ld_local_path_provisioner "" .
}
build_local_path_provisioner() {
  local ctx bins
  bins=$(bins_local_path_provisioner)
  ctx=$(context local-path-provisioner)
  static_rootfs "$ctx/rootfs"
  install -D -m 0755 "$bins/local-path-provisioner" "$ctx/rootfs/usr/bin/local-path-provisioner"
  containerfile "$ctx" 'CMD ["local-path-provisioner"]'
  bud "$1" "$ctx"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")
[ "${targets[0]}" != addons ] || targets=("${ADDONS[@]}")
if [ "${targets[0]}" = list ]; then
  for name in "${ALL[@]}"; do echo "$name $(image_of "$name")"; done
  exit 0
fi
# `build.sh binaries [stand-in ...]`: only the Go binaries of the stand-ins built from Go
# modules (default: all), into the cache, without buildah; prints "<stand-in> <bin dir>". make
# test compiles them niced while its other checks run (and use buildah); make tools links Jaeger's.
if [ "${targets[0]}" = binaries ]; then
  names=("${targets[@]:1}")
  [ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
  [ "${names[0]}" != addons ] || names=("${ADDONS[@]}")
  for name in "${names[@]}"; do
    fn="bins_${name//-/_}"
    if declare -F "$fn" >/dev/null; then
      bins=$("$fn") || die "$name: its binaries were not built"
      echo "$name $bins"
    fi
  done
  exit 0
fi
command -v buildah >/dev/null || die "buildah is missing"
for name in "${targets[@]}"; do
  image=$(image_of "$name")
  stem="$name-${image##*:}"
  # Archives of our own builds are named after their inputs too (the collector's builder manifest
  # hash, the build variant of Prometheus, CoreDNS and Jaeger, certgen's source hash, the MySQL
  # entrypoint's files): a change is a new stand-in.
  case $name in
    mysql) stem+="-src-$(cat "$here"/mysql/* | sha256sum | cut -c1-12)" ;;
    opentelemetry-collector) stem+="-$(basename "$(dirname "$(dirname "$(collector_bin)")")")" ;;
    prometheus) stem+="-$(basename "$(prometheus_bin)")" ;;
    coredns)
      variant=$(coredns_variant) || exit 1
      stem+="-$variant"
      ;;
    jaeger) stem+="-$(jaeger_variant)" ;;
    kube-webhook-certgen) stem+="-src-$(certgen_hash)" ;;
    flannel) stem+="-$(flannel_variant)" ;;
    kube-network-policies) stem+="-$(basename "$(kube_network_policies_patch)")" ;;
  esac
  standin "$image" "$stem" "build_${name//-/_}" "$image"
  # Archives of the image's earlier inputs go: containerd imports every archive, the last one wins.
  for old in "$STANDINS/$name-${image##*:}"*.tar; do
    [ "$old" = "$STANDINS/$stem.tar" ] || rm -f "$old"
  done
done
