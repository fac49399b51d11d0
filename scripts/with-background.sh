#!/usr/bin/env bash
# with-background.sh <log> <background command> -- <foreground command...>
# Runs the background command (a string, in its own process group, output to <log>) while the
# foreground command runs. When the foreground fails, the background group is killed and its
# status returned; else the background is awaited: its failure prints the end of <log>.
# make test uses it to compile the cluster's Go builds while its other checks run.
set -euo pipefail
log=$1 background=$2
shift 2
[ "${1:-}" = -- ] && shift
mkdir -p "$(dirname "$log")"
setsid bash -c "$background" >"$log" 2>&1 &
pid=$!
trap 'kill -- -"$pid" 2>/dev/null || true' EXIT
echo "background: $background (log: $log)"
status=0
"$@" || status=$?
if [ "$status" -ne 0 ]; then exit "$status"; fi
started=$SECONDS
wait "$pid" || {
  status=$?
  echo "background failed ($status): $background; the end of $log:" >&2
  tail -n 40 "$log" >&2
  exit "$status"
}
trap - EXIT
echo "background done ($((SECONDS - started)) s waited after the foreground): $background"
tail -n 5 "$log"
