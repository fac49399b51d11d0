/**
 * The four services of the local stack: their compiled dist, started with the telemetry
 * bootstrap exactly as the operator injects it (`--require autoinstrumentation.js`), sending
 * OTLP to the local collector, with dev.env's development-only secrets.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SERVICES_BY_DEPENDENCY, type ServiceName } from '@shopscope/system'
import { assertBuilt, serverScript, stackSpecs } from './launch'
import { adminPortName, servicePortName, type Ports } from './ports'

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
  /** Another telemetry than the operator's bootstrap (none: `[]`), for the bench. */
  requires?: string[]
  nodeArgs?: (name: ServiceName) => string[]
  /** Over the stack's own variables. */
  env?: (name: ServiceName) => Record<string, string>
}

export function serviceSpecs(options: ServiceOptions) {
  assertBuilt(
    [AUTOINSTRUMENTATION, ...SERVICES.map((s) => serverScript(s.name))],
    'make build autoinstrumentation',
  )
  const portsOf = (kind: 'port' | 'admin') =>
    Object.fromEntries(SERVICES.map((s) => [s.name, options.ports[s[kind]]])) as Record<
      ServiceName,
      number
    >
  const shared = {
    ...devEnv(),
    ...(options.faultAdminToken
      ? { FAULT_INJECTION_ENABLED: 'true', FAULT_ADMIN_TOKEN: options.faultAdminToken }
      : {}),
    OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpHttpEndpoint,
    OTEL_METRIC_EXPORT_INTERVAL: String(options.metricExportIntervalMs),
    // Spans and logs reach the collector within a second, so tests see them quickly.
    OTEL_BSP_SCHEDULE_DELAY: '1000',
    OTEL_BLRP_SCHEDULE_DELAY: '1000',
  }
  return stackSpecs({
    ports: portsOf('port'),
    adminPorts: options.faultAdminToken ? portsOf('admin') : undefined,
    mysqlUrl: options.mysqlUrl,
    requires: options.requires ?? [AUTOINSTRUMENTATION],
    nodeArgs: options.nodeArgs,
    env: (name) => ({
      ...shared,
      OTEL_SERVICE_NAME: name,
      ...LOCAL_SERVICE_ENV[name],
      ...options.env?.(name),
    }),
  })
}
