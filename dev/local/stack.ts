/**
 * The local stack without Docker: MariaDB, the four services with the telemetry bootstrap, the
 * collector with the cluster's pipeline config, Jaeger (traces) and VictoriaLogs (logs) behind it,
 * Prometheus with the repo's rules, Alertmanager with the repo's routing, and an alert recorder.
 * Every listener is on 127.0.0.1 at the port ports.ts gives it; pids, ports and commands are kept
 * in <runDir>/state.json so another process can stop it or restart one service.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { recorderRunbookBaseUrl } from './alert-recorder'
import {
  jaegerBinary,
  jaegerSpec,
  victoriaLogsBinary,
  victoriaLogsOtlp,
  victoriaLogsSpec,
} from './backends'
import { collectorBinary, COLLECTOR_CONFIG, collectorPorts, localCollectorEnv } from './collector'
import { removeDatabaseFiles, startDatabase, type DatabaseProcess } from './database'
import {
  alertmanagerBinary,
  alertmanagerSpec,
  prometheusBinary,
  prometheusSpec,
} from './monitoring'
import type { Timings } from './monitoring-config'
import { assertPortsFree, type Ports } from './ports'
import {
  isAlive,
  spawnDetached,
  stopProcess,
  waitUntilReady,
  type RunningProcess,
} from './processes'
import { serviceSpecs, SERVICES } from './services'

export const ROOT = join(__dirname, '..', '..')
/** Where `make local-up` keeps the state and logs of the stack. */
export const LOCAL_RUN_DIR = join(ROOT, '.run', 'local')

export interface StackState {
  runDir: string
  startedAt: string
  ports: Ports
  /**
   * Base URLs: shop, each service by name, jaeger (UI and query API), logs (VictoriaLogs: vmui
   * at /select/vmui/, LogsQL at /select/logsql/query), prometheus, alertmanager, recorder, …
   */
  urls: Record<string, string>
  /** Each service's admin listener (PUT /admin/faults), on 127.0.0.1 apart from its own port. */
  adminUrls: Record<string, string>
  /** Bearer token of PUT /admin/faults on every service. */
  faultAdminToken: string
  mysql: DatabaseProcess
  processes: Record<string, RunningProcess>
}

const statePath = (runDir: string) => join(runDir, 'state.json')

export function saveState(state: StackState) {
  writeFileSync(statePath(state.runDir), JSON.stringify(state, null, 2))
}

export function loadState(runDir: string): StackState {
  return JSON.parse(readFileSync(statePath(runDir), 'utf8')) as StackState
}

/** Starts the stack on `ports`; fails before starting anything when a tool or a port is missing. */
export async function startStack(
  runDir: string,
  timings: Timings,
  ports: Ports,
): Promise<StackState> {
  const binaries = {
    collector: collectorBinary(),
    prometheus: prometheusBinary(),
    alertmanager: alertmanagerBinary(),
    jaeger: jaegerBinary(),
    victoriaLogs: victoriaLogsBinary(),
  }
  await assertPortsFree(ports)
  rmSync(runDir, { recursive: true, force: true })
  mkdirSync(join(runDir, 'logs'), { recursive: true })
  const log = (name: string) => join(runDir, 'logs', `${name}.log`)
  const mysql = await startDatabase(ports.mariadb)
  const state: StackState = {
    runDir,
    startedAt: new Date().toISOString(),
    ports,
    urls: {},
    adminUrls: {},
    faultAdminToken: randomBytes(16).toString('hex'),
    mysql,
    processes: {},
  }
  const start = (name: string, spec: Omit<RunningProcess['spec'], 'log'>) => {
    state.processes[name] = spawnDetached({ ...spec, log: log(name) })
    saveState(state)
    return state.processes[name]
  }
  const local = (p: number) => `http://127.0.0.1:${p}`
  try {
    const backends = {
      jaeger: start('jaeger', jaegerSpec(runDir, binaries.jaeger, ports)),
      victorialogs: start('victorialogs', victoriaLogsSpec(runDir, binaries.victoriaLogs, ports)),
      'alert-recorder': start('alert-recorder', {
        command: process.execPath,
        args: ['--import', 'tsx', join(__dirname, 'alert-recorder.ts')],
        env: { RECORDER_PORT: String(ports.recorder) },
        readyUrl: `${local(ports.recorder)}/api/deliveries`,
      }),
    }
    await Promise.all(Object.entries(backends).map(([name, p]) => waitUntilReady(name, p)))

    const collector = start('collector', {
      command: binaries.collector,
      args: ['--config', COLLECTOR_CONFIG],
      env: localCollectorEnv(collectorPorts(ports), {
        jaegerOtlp: `127.0.0.1:${ports.jaegerOtlpGrpc}`,
        logsOtlp: victoriaLogsOtlp(ports),
      }),
      readyUrl: local(ports.collectorHealth),
    })

    const alertmanager = start(
      'alertmanager',
      alertmanagerSpec(
        runDir,
        binaries.alertmanager,
        ports.alertmanager,
        local(ports.recorder),
        timings,
      ),
    )

    const services = serviceSpecs({
      mysqlUrl: mysql.url,
      otlpHttpEndpoint: local(ports.otlpHttp),
      faultAdminToken: state.faultAdminToken,
      metricExportIntervalMs: timings.metricExportIntervalMs,
      ports,
    })
    const prometheus = start(
      'prometheus',
      prometheusSpec(
        runDir,
        binaries.prometheus,
        ports.prometheus,
        timings,
        {
          services: services.map((s) => ({ name: s.name, port: s.port })),
          collectorExporterPort: ports.collectorMetrics,
          collectorTelemetryPort: ports.collectorTelemetry,
          alertmanagerPort: ports.alertmanager,
        },
        recorderRunbookBaseUrl(local(ports.recorder)),
      ),
    )
    const started = services.map((s) => [s.name, start(s.name, s.spec)] as const)
    await Promise.all([
      waitUntilReady('collector', collector),
      waitUntilReady('alertmanager', alertmanager),
      waitUntilReady('prometheus', prometheus),
      ...started.map(([name, proc]) => waitUntilReady(name, proc, 90_000)),
    ])
    state.urls = {
      shop: local(ports.shop),
      jaeger: local(ports.jaeger),
      logs: local(ports.logs),
      prometheus: local(ports.prometheus),
      alertmanager: local(ports.alertmanager),
      ...Object.fromEntries(services.map((s) => [s.name, local(s.port)])),
      recorder: local(ports.recorder),
      collectorMetrics: local(ports.collectorMetrics),
      collectorTelemetry: local(ports.collectorTelemetry),
      otlpHttp: local(ports.otlpHttp),
    }
    state.adminUrls = Object.fromEntries(services.map((s) => [s.name, local(s.adminPort ?? 0)]))
    saveState(state)
    return state
  } catch (err) {
    await stopStack(state)
    throw err
  }
}

/** Stops every process of the stack, MariaDB last, and removes its data. */
export async function stopStack(state: StackState) {
  const order = [...SERVICES.map((s) => s.name), 'prometheus', 'alertmanager', 'collector']
  const names = [...order, ...Object.keys(state.processes).filter((n) => !order.includes(n))]
  await Promise.all(
    names.flatMap((name) => {
      const proc = state.processes[name]
      return proc ? [stopProcess(proc.pid)] : []
    }),
  )
  await stopProcess(state.mysql.pid)
  removeDatabaseFiles(state.mysql)
}

/** Kills one process (a crash: SIGKILL by default) and returns when it is gone. */
export async function killProcess(
  state: StackState,
  name: string,
  signal: NodeJS.Signals = 'SIGKILL',
) {
  const proc = state.processes[name]
  if (!proc) throw new Error(`no process ${name} in the stack`)
  await stopProcess(proc.pid, signal)
}

/** Starts a stopped process again with its recorded command and waits until it is ready. */
export async function restartProcess(state: StackState, name: string) {
  const proc = state.processes[name]
  if (!proc) throw new Error(`no process ${name} in the stack`)
  if (isAlive(proc.pid)) throw new Error(`${name} is still running (pid ${proc.pid})`)
  state.processes[name] = spawnDetached(proc.spec)
  saveState(state)
  await waitUntilReady(name, state.processes[name], 90_000)
}
