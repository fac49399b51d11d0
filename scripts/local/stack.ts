/**
 * The local stack without Docker: MariaDB, the four services with the telemetry bootstrap, the
 * collector with the cluster's pipeline config, an OTLP sink standing in for Jaeger and Loki,
 * Prometheus with the repo's rules, Alertmanager with the repo's routing, and an alert recorder.
 * Everything listens on free ports of 127.0.0.1; pids, ports and commands are kept in
 * <runDir>/state.json so another process can stop it or restart one service.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createConnection } from 'mysql2/promise'
import { freePort, startMariaDb } from '../../tests/harness'
import { toolPath } from '../../tests/alerts/tools'
import { collectorBinary, COLLECTOR_CONFIG, localCollectorEnv } from './collector'
import {
  alertmanagerConfig,
  prometheusConfig,
  writeRuleFiles,
  type Timings,
} from './monitoring-config'
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
  /** Bearer token of PUT /admin/faults on every service. */
  faultAdminToken: string
  mysql: { url: string; pid: number; dataDir: string }
  processes: Record<string, RunningProcess>
}

const statePath = (runDir: string) => join(runDir, 'state.json')

export function saveState(state: StackState) {
  writeFileSync(statePath(state.runDir), JSON.stringify(state, null, 2))
}

export function loadState(runDir: string): StackState {
  return JSON.parse(readFileSync(statePath(runDir), 'utf8')) as StackState
}

/**
 * PROMETHEUS when set, else the v3 `make prometheus` builds, else Debian's 2.x on PATH (the
 * rules and configs work with both).
 */
function prometheusBinary(): string {
  const v3 = join(ROOT, '.tools', 'bin', 'prometheus3')
  return !process.env.PROMETHEUS && existsSync(v3) ? v3 : toolPath('prometheus')
}

/** The pid and data directory of a MariaDB the harness started, asked from the server itself. */
async function mariaDbProcess(url: string) {
  const conn = await createConnection(`${url}/`)
  const [rows] = await conn.query('SELECT @@pid_file AS pidFile, @@datadir AS dataDir')
  await conn.end()
  const { pidFile, dataDir } = (rows as { pidFile: string; dataDir: string }[])[0] ?? {}
  if (!pidFile || !dataDir) throw new Error('MariaDB did not report its pid file')
  return { pid: Number(readFileSync(pidFile, 'utf8').trim()), dataDir }
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
    alertmanager: toolPath('alertmanager'),
  }
  const mysql = await startMariaDb()
  const state: StackState = {
    runDir,
    startedAt: new Date().toISOString(),
    urls: {},
    faultAdminToken: randomBytes(16).toString('hex'),
    mysql: { url: mysql.url, ...(await mariaDbProcess(mysql.url)) },
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
        lokiOtlp: `${local(ports.sinkHttp)}/otlp`,
      }),
      readyUrl: local(ports.healthCheck),
    })

    const amConfig = join(runDir, 'alertmanager.yml')
    writeFileSync(amConfig, alertmanagerConfig(local(ports.recorder), timings))
    mkdirSync(join(runDir, 'alertmanager-data'))
    const alertmanager = start('alertmanager', {
      command: binaries.alertmanager,
      args: [
        `--config.file=${amConfig}`,
        `--storage.path=${join(runDir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
        // A single instance: no gossip port, no waiting for peers.
        '--cluster.listen-address=',
      ],
      env: {},
      readyUrl: `${local(ports.alertmanager)}/-/ready`,
    })

    const services = await serviceSpecs({
      mysqlUrl: mysql.url,
      otlpHttpEndpoint: local(ports.otlpHttp),
      faultAdminToken: state.faultAdminToken,
      metricExportIntervalMs: timings.metricExportIntervalMs,
    })
    const promConfig = join(runDir, 'prometheus.yml')
    const rules = writeRuleFiles(join(runDir, 'rules'), timings)
    writeFileSync(
      promConfig,
      prometheusConfig(
        rules,
        {
          services: services.map((s) => ({ name: s.name, port: s.port })),
          collectorExporterPort: ports.prometheusExporter,
          collectorTelemetryPort: ports.telemetry,
          alertmanagerPort: ports.alertmanager,
        },
        timings,
      ),
    )
    const prometheus = start('prometheus', {
      command: binaries.prometheus,
      args: [
        `--config.file=${promConfig}`,
        `--storage.tsdb.path=${join(runDir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${ports.prometheus}`,
        '--enable-feature=exemplar-storage',
        '--web.enable-lifecycle',
      ],
      env: {},
      readyUrl: `${local(ports.prometheus)}/-/ready`,
    })
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
  removeDatabaseFiles(state)
}

/** The harness puts MariaDB's data directory in a shopscope-mariadb-* temporary directory. */
export function removeDatabaseFiles(state: StackState) {
  const tmp = dirname(state.mysql.dataDir.replace(/\/$/, ''))
  if (/shopscope-mariadb-/.test(tmp)) rmSync(tmp, { recursive: true, force: true })
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
