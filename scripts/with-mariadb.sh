#!/usr/bin/env bash
# Runs a command with MYSQL_URL pointing at one throwaway MariaDB for the whole run
# (tests still create their own database each). An existing MYSQL_URL is used as is.
set -euo pipefail
if [ -n "${MYSQL_URL:-}" ]; then exec "$@"; fi
root=$(cd "$(dirname "$0")/.." && pwd)
fifo=$(mktemp -u); mkfifo "$fifo"
node --import tsx "$root/dev/local/mariadb-server.ts" >"$fifo" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$fifo"' EXIT
read -r line <"$fifo" || { echo "MariaDB did not start" >&2; exit 1; }
export "${line?}"
"$@"
