#!/usr/bin/env bash
# Installs the Debian packages the tests run for real, when they are missing.
#   scripts/install-system-deps.sh        what make test needs
#   scripts/install-system-deps.sh kind   podman for kind (scripts/cluster/kind/host.sh; opt-in)
set -euo pipefail
want=()
if [ "${1:-}" = kind ]; then
  # podman with netavark (its network backend) and aardvark-dns (names of kind's nodes)
  command -v podman >/dev/null || want+=(podman)
  [ -x /usr/lib/podman/netavark ] || want+=(netavark)
  [ -x /usr/lib/podman/aardvark-dns ] || want+=(aardvark-dns)
else
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || want+=(mariadb-server)
  command -v chromium >/dev/null || want+=(chromium)
  command -v promtool >/dev/null || want+=(prometheus)
  command -v amtool >/dev/null || want+=(prometheus-alertmanager)
  command -v buildah >/dev/null || want+=(buildah)
  command -v shellcheck >/dev/null || want+=(shellcheck)
  command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || want+=(debootstrap)
  # The from-source cluster (scripts/cluster/source): container runtime, CNI plugins, kube-proxy's needs
  command -v containerd >/dev/null || want+=(containerd)
  command -v runc >/dev/null || want+=(runc)
  [ -x /usr/lib/cni/bridge ] || want+=(containernetworking-plugins)
  command -v conntrack >/dev/null || want+=(conntrack)
  command -v iptables >/dev/null || [ -x /usr/sbin/iptables ] || want+=(iptables)
  command -v openssl >/dev/null || want+=(openssl)
fi
if [ ${#want[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${want[*]} (run as root, or install them)" >&2
  exit 1
fi
echo "installing Debian packages: ${want[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
