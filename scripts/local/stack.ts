/**
 * The local stack without Docker: MariaDB, the four services with the telemetry bootstrap, the
 * collector with the cluster's pipeline config, an OTLP sink standing in for Jaeger and Loki,
 * Prometheus with the repo's rules, Alertmanager with the repo's routing, and an alert recorder.
 * Everything listens on free ports of 127.0.0.1; pids, ports and commands are kept in
 * <runDir>/state.json so another process can stop it or restart one service.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../../tests/harness'
import { collectorBinary, COLLECTOR_CONFIG, localCollectorEnv } from './collector'
import { removeDatabaseFiles, startDatabase, type DatabaseProcess } from './database'
import {
  alertmanagerBinary,
  alertmanagerSpec,
  prometheusBinary,
  prometheusSpec,
} from './monitoring'
import type { Timings } from './monitoring-config'
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

export async function startStack(runDir: string, timings: Timings): Promise<StackState> {
  rmSync(runDir, { recursive: true, force: true })
  mkdirSync(join(runDir, 'logs'), { recursive: true })
  const log = (name: string) => join(runDir, 'logs', `${name}.log`)
  const port = async () => freePort()
  const ports = {
    sinkGrpc: await port(),
    sinkHttp: await port(),
    recorder: await port(),
    otlpGrpc: await port(),
    otlpHttp: await port(),
    prometheusExporter: await port(),
    healthCheck: await port(),
    telemetry: await port(),
    prometheus: await port(),
    alertmanager: await port(),
  }
  // Fail on a missing tool before anything is started.
  const binaries = {
    collector: collectorBinary(),
    prometheus: prometheusBinary(),
    alertmanager: alertmanagerBinary(),
  }
  const mysql = await startDatabase()
  const state: StackState = {
    runDir,
    startedAt: new Date().toISOString(),
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
  const tsx = (script: string, env: Record<string, string>, readyUrl: string) => ({
    command: process.execPath,
    args: ['--import', 'tsx', join(__dirname, script)],
    env,
    readyUrl,
  })
  const local = (p: number) => `http://127.0.0.1:${p}`
  try {
    const backends = [
      start(
        'otlp-sink',
        tsx(
          'otlp-sink.ts',
          { SINK_GRPC_PORT: String(ports.sinkGrpc), SINK_HTTP_PORT: String(ports.sinkHttp) },
          `${local(ports.sinkHttp)}/api/stats`,
        ),
      ),
      start(
        'alert-recorder',
        tsx(
          'alert-recorder.ts',
          { RECORDER_PORT: String(ports.recorder) },
          `${local(ports.recorder)}/api/deliveries`,
        ),
      ),
    ]
    await Promise.all(
      backends.map((p, i) => waitUntilReady(['otlp-sink', 'alert-recorder'][i] ?? '', p)),
    )

    const collector = start('collector', {
      command: binaries.collector,
      args: ['--config', COLLECTOR_CONFIG],
      env: localCollectorEnv(ports, {
        jaegerOtlp: `127.0.0.1:${ports.sinkGrpc}`,
        logsOtlp: `${local(ports.sinkHttp)}/otlp/v1/logs`,
      }),
      readyUrl: local(ports.healthCheck),
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

    const services = await serviceSpecs({
      mysqlUrl: mysql.url,
      otlpHttpEndpoint: local(ports.otlpHttp),
      faultAdminToken: state.faultAdminToken,
      metricExportIntervalMs: timings.metricExportIntervalMs,
    })
    const prometheus = start(
      'prometheus',
      prometheusSpec(runDir, binaries.prometheus, ports.prometheus, timings, {
        services: services.map((s) => ({ name: s.name, port: s.port })),
        collectorExporterPort: ports.prometheusExporter,
        collectorTelemetryPort: ports.telemetry,
        alertmanagerPort: ports.alertmanager,
      }),
    )
    const started = services.map((s) => [s.name, start(s.name, s.spec)] as const)
    await Promise.all([
      waitUntilReady('collector', collector),
      waitUntilReady('alertmanager', alertmanager),
      waitUntilReady('prometheus', prometheus),
      ...started.map(([name, proc]) => waitUntilReady(name, proc, 90_000)),
    ])
    state.urls = {
      shop: local(services.find((s) => s.name === 'frontend')?.port ?? 0),
      ...Object.fromEntries(services.map((s) => [s.name, local(s.port)])),
      prometheus: local(ports.prometheus),
      alertmanager: local(ports.alertmanager),
      recorder: local(ports.recorder),
      sink: local(ports.sinkHttp),
      collectorMetrics: local(ports.prometheusExporter),
      collectorTelemetry: local(ports.telemetry),
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
