#!/usr/bin/env bash
# The binary of the kube-network-policies stand-in (KUBE_NETWORK_POLICIES_IMAGE, kind's
# NetworkPolicy enforcer add-on: scripts/images/standins/build.sh packs it as upstream's image):
# sigs.k8s.io/kube-network-policies KUBE_NETWORK_POLICIES_VERSION (versions.env) built from the
# Go module proxy into
#   ~/.cache/shopscope/kube-network-policies-<version>/bin/kube-network-policies
# with kube-network-policies.patch (this directory) applied to a copy of the module's source:
#   - the rules send packets to user space with xtables' NFQUEUE target (through nft_compat): the
#     build machines' kernel, which kind's nodes share, has no CONFIG_NFT_QUEUE, so the release's
#     native `queue` expression makes every rule sync fail with ENOENT and nothing is enforced
#   - --kubeconfig (empty, as in the DaemonSet: the in-cluster config, as the release does)
#   - SIGTERM ends it like SIGINT (the release then skips removing its nftables table), and
#     --cleanup deletes that table and exits (for a process that was killed)
# The stand-in's archive and this build are named after the patch: another patch, another build.
set -euo pipefail
: "${KUBE_NETWORK_POLICIES_VERSION:?from versions.env}"
command -v go >/dev/null || { echo "kube-network-policies: Go is missing, needed to build it" >&2; exit 1; }
command -v patch >/dev/null || { echo "kube-network-policies: patch is missing" >&2; exit 1; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version=$KUBE_NETWORK_POLICIES_VERSION
cache="${SHOPSCOPE_CACHE:-$HOME/.cache/shopscope}"
out="$cache/kube-network-policies-$version/bin"
stamp="$out/.patch-$(sha256sum "$here/kube-network-policies.patch" | cut -c1-12)"
if [ -x "$out/kube-network-policies" ] && [ -f "$stamp" ]; then
  echo "kube-network-policies: $version already built in $out"
  exit 0
fi
dir=$(go mod download -json "sigs.k8s.io/kube-network-policies@$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { echo "kube-network-policies: cannot download $version" >&2; exit 1; }
mkdir -p "$cache"
tmp="$(mktemp -d "$cache/kube-network-policies-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cp -r "$dir/." "$tmp/src" 2>/dev/null || { mkdir -p "$tmp/src" && cp -r "$dir/." "$tmp/src"; }
chmod -R u+w "$tmp/src"
patch -s -p1 -d "$tmp/src" <"$here/kube-network-policies.patch"
echo "kube-network-policies: building $version (patched, ~2 min cold)"
(
  cd "$tmp/src"
  CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off go build -trimpath -gcflags=all=-dwarf=false -ldflags "-s -w" \
    -o "$tmp/kube-network-policies" ./cmd
)
mkdir -p "$out"
rm -f "$out"/.patch-*
mv "$tmp/kube-network-policies" "$out/kube-network-policies"
touch "$stamp"
# Read whole before grep: `grep -q` would close the pipe early and, with pipefail, fail the check.
help=$("$out/kube-network-policies" --help 2>&1 || true)
grep -q -- '-kubeconfig' <<<"$help" ||
  { echo "kube-network-policies: the build lacks --kubeconfig (patch not applied?)" >&2; exit 1; }
echo "kube-network-policies: $version built in $out in $SECONDS s"
