#!/usr/bin/env bash
# Installs the Debian packages the tests run for real, when they are missing.
#   scripts/install-system-deps.sh        what make test needs
#   scripts/install-system-deps.sh kind   podman for kind (scripts/cluster/kind/host.sh; opt-in)
set -euo pipefail
want=()
if [ "${1:-}" = kind ]; then
  # podman with netavark (its network backend) and aardvark-dns (names of kind's nodes); runc,
  # the runtime host.sh configures (podman's package is content with crun, which refuses this
  # host's hybrid cgroups); iptables, which netavark runs for its chains (and cluster.sh
  # leftovers reads)
  command -v podman >/dev/null || want+=(podman)
  [ -x /usr/lib/podman/netavark ] || want+=(netavark)
  [ -x /usr/lib/podman/aardvark-dns ] || want+=(aardvark-dns)
  command -v runc >/dev/null || want+=(runc)
  command -v iptables >/dev/null || [ -x /usr/sbin/iptables ] || want+=(iptables)
else
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || want+=(mariadb-server)
  command -v chromium >/dev/null || want+=(chromium)
  command -v promtool >/dev/null || want+=(prometheus)
  command -v amtool >/dev/null || want+=(prometheus-alertmanager)
  command -v buildah >/dev/null || want+=(buildah)
  command -v shellcheck >/dev/null || want+=(shellcheck)
  command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || want+=(debootstrap)
  # The certificate of the fake API server the certgen stand-in's test talks to
  # (tests/cluster/standins/certgen.ts)
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
