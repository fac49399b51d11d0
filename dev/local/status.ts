/** `make local-status`: the URLs and processes of the local stack. */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { isAlive } from './processes'
import { LOCAL_RUN_DIR, loadState, type StackState } from './stack'

/** What a person opens in a browser, first; `urls` are the base URLs the tests use. */
export function browserUrls(state: StackState): [string, string][] {
  const { shop, jaeger, logs, prometheus, alertmanager, recorder } = state.urls
  return [
    ['shop', shop ?? ''],
    ['Jaeger UI', jaeger ?? ''],
    ['logs UI', `${logs ?? ''}/select/vmui/`],
    ['Prometheus', prometheus ?? ''],
    // Debian's Alertmanager serves its API and no web UI: its alerts are at /api/v2/alerts,
    // what it delivered on the recorder's page.
    ['Alertmanager API', `${alertmanager ?? ''}/api/v2/alerts`],
    ['alerts delivered', recorder ?? ''],
  ]
}

export function printStatus(state: StackState) {
  const rows = Object.entries(state.urls).map(([name, url]) => `  ${name.padEnd(20)} ${url}`)
  const procs = Object.entries(state.processes).map(
    ([name, p]) => `  ${name.padEnd(20)} pid ${p.pid} ${isAlive(p.pid) ? 'running' : 'STOPPED'}`,
  )
  console.log(
    [
      'Open:',
      ...browserUrls(state).map(([name, url]) => `  ${name.padEnd(20)} ${url}`),
      'All URLs:',
      ...rows,
      'Processes:',
      ...procs,
      `  ${'mariadb'.padEnd(20)} pid ${state.mysql.pid} ${isAlive(state.mysql.pid) ? 'running' : 'STOPPED'}`,
      `Logs: ${join(state.runDir, 'logs')}`,
      'Admin listeners (PUT /admin/faults):',
      ...Object.entries(state.adminUrls).map(([name, url]) => `  ${name.padEnd(20)} ${url}`),
      `Fault admin token: ${state.faultAdminToken}`,
    ].join('\n'),
  )
}

/** `local status`: the URLs and processes of the local stack, if it runs. */
export function localStatus(): void {
  if (!existsSync(join(LOCAL_RUN_DIR, 'state.json'))) console.log('local stack is not running')
  else printStatus(loadState(LOCAL_RUN_DIR))
}
