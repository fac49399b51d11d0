import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { SERVICES, type ServiceName } from '@shopscope/system'
import { createTestDatabase, freePort, TEST_ENV, type MariaDb } from '@shopscope/tests/harness'
import { assertBuilt, launch, serverScript, serviceSpec } from '../../dev/local/launch'

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

/** Starts `services/<name>/dist/server.js` as its own process, the way a container runs it. */
export async function startServiceProcess(
  name: ServiceName,
  options: StartOptions = {},
): Promise<ServiceProcess> {
  assertBuilt([serverScript(name)])
  const port = await freePort()
  const adminPort = await freePort()
  const database =
    SERVICES[name].database !== null && options.db
      ? await createTestDatabase(options.db, name.split('-')[0])
      : undefined
  const spec = serviceSpec(name, {
    port,
    adminPort,
    databaseUrl: database?.url,
    requires: options.requires,
    // Nothing leaks in from the test runner's environment, OTEL_* least of all.
    env: { ...TEST_ENV, LOG_LEVEL: 'info', COOKIE_SECURE: 'false' },
  })
  // The test's own variables win, as they did over PORT and DATABASE_URL.
  const launched = launch(name, { ...spec, env: { ...spec.env, ...options.env } }, 'pipe')
  const records: Array<Record<string, unknown>> = []
  let pending = ''
  launched.child?.stdout?.on('data', (chunk: Buffer) => {
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
  const service: ServiceProcess = {
    name,
    url: `http://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    records,
    output: launched.output,
    running: launched.running,
    exitCode: () => launched.child?.exitCode ?? null,
    signal: (name) => void launched.child?.kill(name),
    async stop() {
      await launched.stop()
      // A test that stopped the database server (the "database down" paths) took the database
      // with it: nothing is left to drop.
      await database?.drop().catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ECONNREFUSED') throw err
      })
    },
  }
  try {
    // Generous: CI starts several instrumented processes at once beside background Go builds.
    await launched.ready(90_000)
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
