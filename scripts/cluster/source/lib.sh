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

# pid_of <pid file> <binary>: the pid in the file when that process is alive and runs <binary>
# (a reused pid running something else is not ours)
pid_of() {
  local p exe
  [ -s "$1" ] || return 1
  p=$(cat "$1")
  alive "$p" || return 1
  exe=$(readlink "/proc/$p/exe" 2>/dev/null) || return 1
  [ "${exe% (deleted)}" = "$(realpath "$2")" ] || return 1
  echo "$p"
}

# components_status: each of COMPONENTS ready, running or stopped (the script's pid and ready);
# fails unless all are ready
components_status() {
  local c p rc=0
  for c in "${COMPONENTS[@]}"; do
    if p=$(pid "$c"); then
      if ready "$c"; then echo "$c: ready (pid $p)"; else echo "$c: running, not ready (pid $p)"; rc=1; fi
    else
      echo "$c: stopped"
      rc=1
    fi
  done
  return $rc
}
