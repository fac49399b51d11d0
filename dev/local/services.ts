/**
 * The four services of the local stack: their compiled dist, started with the telemetry
 * bootstrap exactly as the operator injects it (`--require autoinstrumentation.js`), sending
 * OTLP to the local collector, with dev.env's development-only secrets.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SERVICES_BY_DEPENDENCY, serviceUrlEnv, type ServiceName } from '@shopscope/system'
import { adminPortName, servicePortName, type Ports } from './ports'
import type { ProcessSpec } from './processes'

const ROOT = join(__dirname, '..', '..')
/**
 * The staged content of the auto-instrumentation image (`make autoinstrumentation`): the same
 * files, with the same resolved dependencies, the operator injects in the cluster.
 */
export const AUTOINSTRUMENTATION = join(
  ROOT,
  'services/telemetry/dist/image/autoinstrumentation/autoinstrumentation.js',
)

/** The services in start order (each after those it calls), with their ports' names here. */
export const SERVICES = SERVICES_BY_DEPENDENCY.map((s) => ({
  name: s.name,
  database: s.database,
  port: servicePortName(s.name),
  admin: adminPortName(s.name),
}))

/** dev.env: development-only values, shared by `make dev` and the local stack. */
export function devEnv(): Record<string, string> {
  const lines = readFileSync(join(ROOT, 'dev.env'), 'utf8').split('\n')
  return Object.fromEntries(
    lines
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  )
}

/**
 * Each service's own variables on this stack. Every shopper connects from 127.0.0.1 here, so the
 * frontend believes X-Forwarded-For from loopback, as it believes the ingress in a cluster: the
 * load generators name each simulated shopper in it, and one client's failed logins (or
 * sign-ups) lock out that client only, never every shopper of the stack. A browser sends no
 * such header: it is 127.0.0.1, one shopper.
 */
export const LOCAL_SERVICE_ENV: Partial<Record<ServiceName, Record<string, string>>> = {
  frontend: { TRUST_PROXY: 'loopback' },
}

export interface ServiceOptions {
  mysqlUrl: string
  otlpHttpEndpoint: string
  /**
   * Turns fault injection on (FAULT_INJECTION_ENABLED), with PUT /admin/faults on each
   * service's admin listener (its own port on 127.0.0.1) and this bearer token. Omitted: off.
   */
  faultAdminToken?: string
  metricExportIntervalMs: number
  /** The stack's ports (ports.ts): each service's own and its admin listener's. */
  ports: Ports
}

export function serviceSpecs(options: ServiceOptions) {
  const missing = [
    AUTOINSTRUMENTATION,
    ...SERVICES.map((s) => join(ROOT, 'services', s.name, 'dist', 'server.js')),
  ].filter((f) => !existsSync(f))
  if (missing.length > 0) {
    throw new Error(`not built: ${missing.join(', ')} (run 'make build autoinstrumentation')`)
  }

  const ports = Object.fromEntries(SERVICES.map((s) => [s.name, options.ports[s.port]])) as Record<
    ServiceName,
    number
  >
  const adminPorts = options.faultAdminToken
    ? (Object.fromEntries(SERVICES.map((s) => [s.name, options.ports[s.admin]])) as Record<
        ServiceName,
        number
      >)
    : undefined
  const url = (name: ServiceName) => `http://127.0.0.1:${ports[name]}`
  const shared = {
    ...devEnv(),
    HOST: '127.0.0.1',
    ...serviceUrlEnv(url),
    ...(options.faultAdminToken
      ? { FAULT_INJECTION_ENABLED: 'true', FAULT_ADMIN_TOKEN: options.faultAdminToken }
      : {}),
    OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpHttpEndpoint,
    OTEL_METRIC_EXPORT_INTERVAL: String(options.metricExportIntervalMs),
    // Spans and logs reach the collector within a second, so tests see them quickly.
    OTEL_BSP_SCHEDULE_DELAY: '1000',
    OTEL_BLRP_SCHEDULE_DELAY: '1000',
  }
  return SERVICES.map((s) => {
    const spec: Omit<ProcessSpec, 'log'> = {
      command: process.execPath,
      args: ['--require', AUTOINSTRUMENTATION, join(ROOT, 'services', s.name, 'dist', 'server.js')],
      env: {
        ...shared,
        PORT: String(ports[s.name]),
        ...(adminPorts ? { ADMIN_PORT: String(adminPorts[s.name]) } : {}),
        OTEL_SERVICE_NAME: s.name,
        ...LOCAL_SERVICE_ENV[s.name],
        ...(s.database ? { DATABASE_URL: `${options.mysqlUrl}/${s.database}` } : {}),
      },
      readyUrl: `${url(s.name)}/readyz`,
    }
    return { name: s.name, port: ports[s.name], adminPort: adminPorts?.[s.name], spec }
  })
}
