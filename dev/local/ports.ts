/**
 * Every listener of the local stack, in one place: a fixed default port a person can bookmark
 * (kind's URL table where it fits: 8080 shop, 16686 Jaeger, 9090 Prometheus, 9093 Alertmanager),
 * the variable that overrides it, and what it is. The services' ports are the model's
 * (@shopscope/system); each one's admin listener is 100 above its own.
 *
 * Tests never use the defaults: each test stack reserves a block of ports (reservePortBlock)
 * behind an exclusive lock file, below the kernel's ephemeral range, so no other test stack and
 * no port-0 listener of this machine is handed the same ports between the check and the bind.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ALL_SERVICES, type ServiceName } from '@shopscope/system'

interface PortDef {
  env: string
  port: number
  what: string
}

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S
/** A service's port name here: the frontend is "the shop" a person opens, as in kind's URLs. */
export type ServicePortName<N extends ServiceName = ServiceName> = N extends 'frontend'
  ? 'shop'
  : CamelCase<N>
type AdminPortName = `${ServicePortName}Admin`

export const servicePortName = <N extends ServiceName>(name: N) =>
  (name === 'frontend'
    ? 'shop'
    : name.replace(/-(\w)/g, (_all, c: string) => c.toUpperCase())) as ServicePortName<N>
export const adminPortName = (name: ServiceName) => `${servicePortName(name)}Admin` as const
/** LOCAL_<NAME>_PORT: userServiceAdmin → LOCAL_USER_SERVICE_ADMIN_PORT. */
const variable = (portName: string) =>
  `LOCAL_${portName.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_PORT`
/** Each admin listener's default is its service's port + 100 (8180 for the shop's 8080). */
const ADMIN_PORT_SHIFT = 100

const SERVICE_PORTS = Object.fromEntries(
  ALL_SERVICES.map((s) => [
    servicePortName(s.name),
    {
      env: variable(servicePortName(s.name)),
      port: s.port,
      what: s.name === 'frontend' ? 'the shop (frontend)' : s.name,
    },
  ]),
) as Record<ServicePortName, PortDef>
const ADMIN_PORTS = Object.fromEntries(
  ALL_SERVICES.map((s) => [
    adminPortName(s.name),
    {
      env: variable(adminPortName(s.name)),
      port: s.port + ADMIN_PORT_SHIFT,
      what: `${s.name}'s admin listener`,
    },
  ]),
) as Record<AdminPortName, PortDef>

export const PORTS = {
  ...SERVICE_PORTS,
  ...ADMIN_PORTS,
  mariadb: { env: 'LOCAL_MARIADB_PORT', port: 13306, what: 'MariaDB' },
  otlpGrpc: { env: 'LOCAL_OTLP_GRPC_PORT', port: 4317, what: "the collector's OTLP gRPC" },
  otlpHttp: { env: 'LOCAL_OTLP_HTTP_PORT', port: 4318, what: "the collector's OTLP/HTTP" },
  collectorMetrics: {
    env: 'LOCAL_COLLECTOR_METRICS_PORT',
    port: 8889,
    what: "the collector's Prometheus exporter",
  },
  collectorTelemetry: {
    env: 'LOCAL_COLLECTOR_TELEMETRY_PORT',
    port: 8888,
    what: "the collector's own metrics",
  },
  collectorHealth: {
    env: 'LOCAL_COLLECTOR_HEALTH_PORT',
    port: 13133,
    what: "the collector's health check",
  },
  jaeger: { env: 'LOCAL_JAEGER_PORT', port: 16686, what: "Jaeger's UI and query API" },
  jaegerQueryGrpc: {
    env: 'LOCAL_JAEGER_QUERY_GRPC_PORT',
    port: 16685,
    what: "Jaeger's gRPC query API",
  },
  jaegerOtlpGrpc: { env: 'LOCAL_JAEGER_OTLP_GRPC_PORT', port: 14317, what: "Jaeger's OTLP gRPC" },
  jaegerOtlpHttp: { env: 'LOCAL_JAEGER_OTLP_HTTP_PORT', port: 14318, what: "Jaeger's OTLP/HTTP" },
  jaegerHealth: { env: 'LOCAL_JAEGER_HEALTH_PORT', port: 14134, what: "Jaeger's health check" },
  jaegerMetrics: { env: 'LOCAL_JAEGER_METRICS_PORT', port: 14269, what: "Jaeger's own metrics" },
  logs: { env: 'LOCAL_LOGS_PORT', port: 9428, what: 'VictoriaLogs (logs UI, query, OTLP in)' },
  prometheus: { env: 'LOCAL_PROMETHEUS_PORT', port: 9090, what: 'Prometheus' },
  alertmanager: { env: 'LOCAL_ALERTMANAGER_PORT', port: 9093, what: 'Alertmanager' },
  recorder: { env: 'LOCAL_ALERT_RECORDER_PORT', port: 9097, what: 'the alert recorder' },
} as const satisfies Record<string, PortDef>

export type PortName = keyof typeof PORTS
export type Ports = Record<PortName, number>

const NAMES = Object.keys(PORTS) as PortName[]
/** Shifts every default port (a second stack, or defaults taken): single overrides still win. */
export const OFFSET_ENV = 'LOCAL_PORT_OFFSET'
/** The offset the "port taken" message suggests: no default shifted by it is another default. */
export const SUGGESTED_OFFSET = 1000

function portNumber(variable: string, value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    throw new Error(`${variable}=${value} is not a port (1-65535)`)
  }
  return port
}

/** The defaults, shifted by LOCAL_PORT_OFFSET, each overridden by its own variable. */
export function configuredPorts(env: NodeJS.ProcessEnv = process.env): Ports {
  const offset = env[OFFSET_ENV] ? Number(env[OFFSET_ENV]) : 0
  if (!Number.isInteger(offset)) throw new Error(`${OFFSET_ENV}=${env[OFFSET_ENV]} is no integer`)
  const ports = Object.fromEntries(
    NAMES.map((name) => {
      const { env: variable, port } = PORTS[name]
      const given = env[variable]
      return [
        name,
        given ? portNumber(variable, given) : portNumber(OFFSET_ENV, String(port + offset)),
      ]
    }),
  ) as Ports
  const seen = new Map<number, PortName>()
  for (const name of NAMES) {
    const other = seen.get(ports[name])
    if (other) {
      throw new Error(
        `${PORTS[name].env} and ${PORTS[other].env} are both ${ports[name]}: one port each`,
      )
    }
    seen.set(ports[name], name)
  }
  return ports
}

/** Resolves true when 127.0.0.1:port can be bound now. */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => resolve(true)),
    )
  })
}

/** What listens on `port`, as `ss` sees it (processes of other users need root to be named). */
export function holderOf(port: number): string {
  const ss = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' })
  if (ss.error) return `(ss not available to say who: ${ss.error.message})`
  const lines = ss.stdout.trim()
  return lines === '' ? '(ss shows no listener: a connection may hold it)' : lines
}

/**
 * Fails before anything is started when a port of `ports` is taken, naming each taken port,
 * its variable and its holder.
 */
export async function assertPortsFree(ports: Ports) {
  const taken: PortName[] = []
  for (const name of NAMES) if (!(await canBind(ports[name]))) taken.push(name)
  if (taken.length === 0) return
  const lines = taken.map((name) => {
    const holder = holderOf(ports[name])
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n')
    return `  port ${ports[name]} (${PORTS[name].env}, ${PORTS[name].what}) is taken by:\n${holder}`
  })
  throw new Error(
    [
      `the local stack cannot start: ${taken.length === 1 ? 'a port' : `${taken.length} ports`} of it ${taken.length === 1 ? 'is' : 'are'} taken`,
      ...lines,
      ...(taken.some((name) => /conmon|docker-proxy|rootlessport/.test(holderOf(ports[name])))
        ? ['A kind cluster (make cluster-up) publishes the same URLs on this machine.']
        : []),
      `Stop what holds them, or choose other ports: e.g. ${PORTS[taken[0]!].env}=<port> make ` +
        `local-up, or ${OFFSET_ENV}=${SUGGESTED_OFFSET} make local-up to shift every default port.`,
    ].join('\n'),
  )
}

/**
 * Test blocks: 20000 + 32·k, below the ephemeral range (32768+, where port-0 binds and outgoing
 * connections draw from), so only another block holder could want them, and it holds a lock.
 */
const BLOCK_BASE = 20_000
const BLOCK_SIZE = 32
export const PORT_BLOCKS = Math.floor((32_768 - BLOCK_BASE) / BLOCK_SIZE)
/** Shared by every checkout of the repository on this machine: their stacks exclude each other. */
const lockDir = () => process.env.SHOPSCOPE_PORT_LOCKS ?? join(tmpdir(), 'shopscope-port-blocks')

export function blockPorts(block: number): Ports {
  if (NAMES.length > BLOCK_SIZE) throw new Error(`${NAMES.length} ports do not fit a block`)
  return Object.fromEntries(
    NAMES.map((name, i) => [name, BLOCK_BASE + block * BLOCK_SIZE + i]),
  ) as Ports
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** O_EXCL lock of block `k`; a lock whose process is gone is taken over once. */
function lockBlock(k: number): (() => void) | undefined {
  mkdirSync(lockDir(), { recursive: true })
  const file = join(lockDir(), `block-${k}`)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => rmSync(file, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const owner = Number(readFileSync(file, 'utf8').trim() || 'NaN')
      // An empty file is a lock being written this instant: leave it to its writer.
      if (Number.isNaN(owner) || alive(owner)) return undefined
      rmSync(file, { force: true })
    }
  }
  return undefined
}

export interface PortBlock {
  ports: Ports
  release(): void
}

/**
 * A block of ports for one test stack: locked for this process and all bindable now. `skip`
 * blocks are not tried (a stack that failed to bind in them retries elsewhere).
 */
export async function reservePortBlock(
  skip: ReadonlySet<number> = new Set(),
): Promise<PortBlock & { block: number }> {
  const start = Math.floor(Math.random() * PORT_BLOCKS)
  for (let i = 0; i < PORT_BLOCKS; i++) {
    const block = (start + i) % PORT_BLOCKS
    if (skip.has(block)) continue
    const release = lockBlock(block)
    if (!release) continue
    const ports = blockPorts(block)
    const free = await Promise.all(NAMES.map((name) => canBind(ports[name])))
    if (free.every(Boolean)) return { ports, release, block }
    release()
  }
  throw new Error(`no free port block of ${BLOCK_SIZE} between ${BLOCK_BASE} and 32767`)
}
