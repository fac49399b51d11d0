/** What a source-cluster process left on this host: processes and mounts (the cluster tests). */
import { readdirSync, readFileSync } from 'node:fs'

/** The processes (zombies aside) whose command line names `dir`. */
export function processesUsing(dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      if (/^State:\s*Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'))) continue
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ')
      if (cmdline.includes(dir)) found.push(`${entry}: ${cmdline.slice(0, 120)}`)
    } catch {
      // gone meanwhile
    }
  }
  return found
}

/** The mount points under `dir`. */
export const mountsUnder = (dir: string) =>
  readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[1]?.startsWith(`${dir}/`))
