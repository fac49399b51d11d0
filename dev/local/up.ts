/**
 * `make local-up`: starts the local stack in the background (state and logs in .run/local) and
 * prints its URLs. Ports are ports.ts' fixed defaults, overridable by LOCAL_*_PORT variables or
 * shifted by LOCAL_PORT_OFFSET. LOCAL_FAST_ALERTS=1 uses the short test timings.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { FAST_TIMINGS, PRODUCTION_TIMINGS } from './monitoring-config'
import { configuredPorts } from './ports'
import { isAlive } from './processes'
import { LOCAL_RUN_DIR, loadState, startStack } from './stack'
import { printStatus } from './status'

async function main() {
  if (existsSync(join(LOCAL_RUN_DIR, 'state.json'))) {
    const state = loadState(LOCAL_RUN_DIR)
    if (Object.values(state.processes).some((p) => isAlive(p.pid))) {
      console.log('local stack already running (make local-down stops it)')
      printStatus(state)
      return
    }
  }
  const timings = process.env.LOCAL_FAST_ALERTS === '1' ? FAST_TIMINGS : PRODUCTION_TIMINGS
  const ports = configuredPorts()
  console.log(`starting the local stack in ${LOCAL_RUN_DIR} …`)
  const started = Date.now()
  const state = await startStack(LOCAL_RUN_DIR, timings, ports)
  console.log(`up in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  printStatus(state)
}

main().then(
  // MariaDB was started by this process: exit explicitly so its handle does not keep us waiting.
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  },
)
