# shellcheck shell=bash
# Shared by the source provider's start|stop scripts (sourced, not run).

# alive <pid>: running (a zombie left to a parent that does not reap counts as gone)
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:\s*Z' "/proc/$1/status" 2>/dev/null; }

# terminate <label> <pid>: SIGTERM, 10 s to exit, then SIGKILL
terminate() {
  kill -TERM "$2" 2>/dev/null || true
  for _ in $(seq 1 40); do
    alive "$2" || return 0
    sleep 0.25
  done
  echo "$1 (pid $2) did not stop in 10 s, killing it"
  kill -KILL "$2" 2>/dev/null || true
}
