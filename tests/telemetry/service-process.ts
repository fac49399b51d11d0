import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { SERVICES, type ServiceName } from '@shopscope/system'
import { createTestDatabase, freePort, TEST_ENV, type MariaDb } from '@shopscope/tests/harness'

export const ROOT = resolve(__dirname, '../..')
/** What `make autoinstrumentation` stages: the content of the auto-instrumentation image. */
export const STAGED_DIR = join(ROOT, 'services/telemetry/dist/image/autoinstrumentation')

export function stagedBootstrap(): string {
  const file = join(STAGED_DIR, 'autoinstrumentation.js')
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run 'make autoinstrumentation' (or make test-telemetry)`)
  }
  return file
}

export interface ServiceProcess {
  name: ServiceName
  url: string
  /** Its admin listener (PUT /admin/faults when FAULT_ADMIN_TOKEN is set), on 127.0.0.1. */
  adminUrl: string
  /** Every stdout line that is JSON, in order. */
  records: Array<Record<string, unknown>>
  output(): string
  running(): boolean
  /** null while running or when ended by a signal. */
  exitCode(): number | null
  /** Sends a signal to the process (e.g. one a test's --require file listens for). */
  signal(name: NodeJS.Signals): void
  stop(): Promise<void>
}

export interface StartOptions {
  /** Files given to `node --require`, in order. */
  requires?: string[]
  env?: Record<string, string>
  db?: MariaDb
}

/** Short export delays so tests see telemetry within a second or two. */
export const FAST_EXPORT_ENV = {
  OTEL_BSP_SCHEDULE_DELAY: '200',
  OTEL_BLRP_SCHEDULE_DELAY: '200',
  OTEL_METRIC_EXPORT_INTERVAL: '1000',
}

const READY_TIMEOUT_S = 90

async function waitUntilReady(url: string, child: ChildProcess, output: () => string) {
  // Generous: CI starts several instrumented processes at once beside background Go builds.
  const deadline = Date.now() + READY_TIMEOUT_S * 1000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output()}`)
    const status = await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    )
    if (status === 200) return
    if (Date.now() > deadline) throw new Error(`not ready after ${READY_TIMEOUT_S} s:\n${output()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Starts `services/<name>/dist/server.js` as its own process, the way a container runs it. */
export async function startServiceProcess(
  name: ServiceName,
  options: StartOptions = {},
): Promise<ServiceProcess> {
  const server = join(ROOT, 'services', name, 'dist/server.js')
  if (!existsSync(server)) throw new Error(`${server} is missing: run 'make build'`)
  const port = await freePort()
  const adminPort = await freePort()
  const database =
    SERVICES[name].database !== null && options.db
      ? await createTestDatabase(options.db, name.split('-')[0])
      : undefined
  const args = [...(options.requires ?? []).flatMap((file) => ['--require', file]), server]
  const child = spawn(process.execPath, args, {
    cwd: join(ROOT, 'services', name),
    // Nothing leaks in from the test runner's environment, OTEL_* least of all.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...TEST_ENV,
      LOG_LEVEL: 'info',
      COOKIE_SECURE: 'false',
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      ...(database ? { DATABASE_URL: database.url } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  const records: Array<Record<string, unknown>> = []
  let pending = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString()
    pending += chunk.toString()
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      try {
        records.push(JSON.parse(line) as Record<string, unknown>)
      } catch {
        // not a log record (e.g. a console exporter's output)
      }
    }
  })
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const url = `http://127.0.0.1:${port}`
  const service: ServiceProcess = {
    name,
    url,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    records,
    output: () => text,
    running: () => child.exitCode === null && child.signalCode === null,
    exitCode: () => child.exitCode,
    signal: (name) => void child.kill(name),
    async stop() {
      if (service.running()) {
        child.kill('SIGTERM')
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(killer)
      }
      // A test that stopped the database server (the "database down" paths) took the database
      // with it: nothing is left to drop.
      await database?.drop().catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ECONNREFUSED') throw err
      })
    },
  }
  try {
    await waitUntilReady(url, child, () => text)
  } catch (err) {
    await service.stop()
    throw new Error(`${name}: ${(err as Error).message}`)
  }
  return service
}

/** The URL of each service of `started` by name: for dependencyUrlEnv. */
export const urlIn =
  (started: readonly ServiceProcess[]) =>
  (name: ServiceName): string => {
    const found = started.find((s) => s.name === name)
    if (!found) throw new Error(`${name} is not started`)
    return found.url
  }

/**
 * A service as the operator runs it: the staged bootstrap required, exporting to `otlpEndpoint`
 * on short intervals, under its own service name.
 */
export function startInstrumented(
  name: ServiceName,
  options: { db: MariaDb; otlpEndpoint: string; env?: Record<string, string> },
): Promise<ServiceProcess> {
  return startServiceProcess(name, {
    db: options.db,
    requires: [stagedBootstrap()],
    env: {
      ...FAST_EXPORT_ENV,
      OTEL_SERVICE_NAME: name,
      OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint,
      ...options.env,
    },
  })
}

/**
 * Starts several processes at once; if one fails, the others are stopped before the error is
 * thrown (a started sibling left running keeps the test file alive until the runner's timeout).
 */
export async function startTogether<T extends readonly Promise<ServiceProcess>[]>(
  starts: [...T],
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(starts)
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (!failed)
    return settled.map((s) => (s as PromiseFulfilledResult<ServiceProcess>).value) as never
  for (const s of settled) if (s.status === 'fulfilled') await s.value.stop()
  throw failed.reason
}
