/**
 * CPU time per request of each process: the figure that stays comparable when the shared machine
 * is busy with something else, where req/s and latency do not.
 */
import { readFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100

/** user + system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

/** Snapshot now; the returned function gives CPU ms per request of each process since then. */
export function cpuMeter(pids: Record<string, number>) {
  const start = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuSeconds(pid)]))
  return (requests: number): Record<string, number> =>
    Object.fromEntries(
      Object.entries(pids).map(([n, pid]) => [
        n,
        Math.round(((cpuSeconds(pid) - (start[n] ?? 0)) * 1000 * 100) / Math.max(1, requests)) /
          100,
      ]),
    )
}
