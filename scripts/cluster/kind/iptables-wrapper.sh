#!/bin/sh
# iptables, iptables-save, iptables-restore and their ip6tables twins in the kube-proxy image:
# the first call picks the mode the node already uses, as upstream's iptables-wrapper does and
# as kind's node entrypoint picks its own (legacy unless nft holds more rules): the kubelet's
# hint chains first, else the number of rules of each. Then the links point at that mode.
set -eu
mode=""
for m in legacy nft; do
  if { "iptables-$m-save" -t mangle; "ip6tables-$m-save" -t mangle; } 2>/dev/null |
    grep -qE '^:(KUBE-IPTABLES-HINT|KUBE-KUBELET-CANARY)'; then
    mode=$m
    break
  fi
done
if [ -z "$mode" ]; then
  legacy=$({ iptables-legacy-save; ip6tables-legacy-save; } 2>/dev/null | grep -c '^-' || true)
  nft=$({ iptables-nft-save; ip6tables-nft-save; } 2>/dev/null | grep -c '^-' || true)
  if [ "$legacy" -ge "$nft" ]; then mode=legacy; else mode=nft; fi
fi
for cmd in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  # iptables-save -> iptables-legacy-save; a read-only root just decides again next time
  ln -sf "${cmd%%-*}-$mode${cmd#"${cmd%%-*}"}" "/usr/sbin/$cmd" 2>/dev/null || true
done
name=$(basename "$0")
exec "/usr/sbin/${name%%-*}-$mode${name#"${name%%-*}"}" "$@"
