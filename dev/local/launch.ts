/**
 * The one way a service runs outside a cluster: `node services/<name>/dist/server.js` from the
 * service's own folder, as its container runs it, on 127.0.0.1. `make dev`, the local stack, the
 * fuzz suite, the bench and the telemetry tests differ only in what they pass here.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { SERVICES_BY_DEPENDENCY, serviceUrlEnv, type ServiceName } from '@shopscope/system'
import {
  isAlive,
  pollUntilReady,
  spawnDetached,
  stopProcess,
  waitUntilReady,
  type ProcessSpec,
} from './processes'

const ROOT = join(__dirname, '..', '..')
const serviceDir = (name: ServiceName) => join(ROOT, 'services', name)
export const serverScript = (name: ServiceName) => join(serviceDir(name), 'dist', 'server.js')
const local = (port: number) => `http://127.0.0.1:${port}`

/** Throws, naming what to build, unless every file exists. */
export function assertBuilt(files: string[], build = 'make build') {
  const missing = files.filter((f) => !existsSync(f))
  if (missing.length > 0) throw new Error(`not built: ${missing.join(', ')} (run '${build}')`)
}

export interface ServiceLaunch {
  port: number
  /** The admin listener's port (ADMIN_PORT); omitted, the service's default. */
  adminPort?: number
  databaseUrl?: string
  /** Loaded before the service's code by `node --require`, in order: a telemetry bootstrap. */
  requires?: string[]
  /** Node flags before the requires, e.g. `--cpu-prof`. */
  nodeArgs?: string[]
  /** Everything else it reads: secrets, the URLs of the services it calls, OTEL_*, … */
  env: Record<string, string>
}

export type ServiceSpec = Omit<ProcessSpec, 'log'>

export function serviceSpec(name: ServiceName, launch: ServiceLaunch): ServiceSpec {
  return {
    command: process.execPath,
    args: [
      ...(launch.nodeArgs ?? []),
      ...(launch.requires ?? []).flatMap((file) => ['--require', file]),
      serverScript(name),
    ],
    cwd: serviceDir(name),
    env: {
      ...launch.env,
      HOST: '127.0.0.1',
      PORT: String(launch.port),
      ...(launch.adminPort ? { ADMIN_PORT: String(launch.adminPort) } : {}),
      ...(launch.databaseUrl ? { DATABASE_URL: launch.databaseUrl } : {}),
    },
    readyUrl: `${local(launch.port)}/readyz`,
  }
}

/** The four services, each finding the others on 127.0.0.1. */
export interface StackLaunch {
  ports: Record<ServiceName, number>
  adminPorts?: Record<ServiceName, number>
  /** A MySQL server's URL: each service with a database gets `<url>/<its database>`… */
  mysqlUrl: string
  /** …unless it is given its own DATABASE_URL here. */
  databaseUrls?: Partial<Record<ServiceName, string>>
  requires?: string[]
  nodeArgs?: (name: ServiceName) => string[]
  env: (name: ServiceName) => Record<string, string>
}

export interface StackService {
  name: ServiceName
  port: number
  url: string
  adminPort?: number
  spec: ServiceSpec
}

/** Each service's command, in start order: after the services it calls. */
export function stackSpecs(launch: StackLaunch): StackService[] {
  const urls = serviceUrlEnv((name) => local(launch.ports[name]))
  return SERVICES_BY_DEPENDENCY.map((s) => ({
    name: s.name,
    port: launch.ports[s.name],
    url: local(launch.ports[s.name]),
    adminPort: launch.adminPorts?.[s.name],
    spec: serviceSpec(s.name, {
      port: launch.ports[s.name],
      adminPort: launch.adminPorts?.[s.name],
      databaseUrl: s.database
        ? (launch.databaseUrls?.[s.name] ?? `${launch.mysqlUrl}/${s.database}`)
        : undefined,
      requires: launch.requires,
      nodeArgs: launch.nodeArgs?.(s.name),
      env: { ...launch.env(s.name), ...urls },
    }),
  }))
}

/** Where a service's output goes: a log file (the process then has a group of its own) or here. */
export type Output = { log: string } | 'inherit' | 'pipe'

export interface LaunchedService {
  name: string
  pid: number
  /** With 'pipe': its stdout and stderr are read from here. */
  child?: ChildProcess
  running(): boolean
  /** What it has written so far ('pipe' only). */
  output(): string
  /** SIGTERM, SIGKILL after 10 s; resolves once it is gone. */
  stop(): Promise<void>
  /** Resolves once it answers its readyUrl; throws, with its last output, if it exits first. */
  ready(timeoutMs?: number): Promise<void>
}

export function launch(name: string, spec: ServiceSpec, output: Output): LaunchedService {
  if (typeof output === 'object') {
    const proc = spawnDetached({ ...spec, log: output.log })
    return {
      name,
      pid: proc.pid,
      running: () => isAlive(proc.pid),
      output: () => '',
      stop: () => stopProcess(proc.pid),
      ready: (timeoutMs = 90_000) => waitUntilReady(name, proc, timeoutMs),
    }
  }
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...spec.env },
    stdio: output === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  })
  if (child.pid === undefined) throw new Error(`could not start ${name}`)
  let text = ''
  const keep = (chunk: Buffer) => void (text += chunk.toString())
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const running = () => child.exitCode === null && child.signalCode === null
  return {
    name,
    pid: child.pid,
    child,
    running,
    output: () => text,
    async stop() {
      if (!running()) return
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(killer)
    },
    ready: (timeoutMs = 90_000) =>
      pollUntilReady(name, spec.readyUrl, running, timeoutMs, () => `its output:\n${text}`),
  }
}

/**
 * Starts `services` in their order and waits until every one is ready; if one fails, all are
 * stopped before the error is thrown.
 */
export async function startServices(
  services: readonly StackService[],
  output: (name: ServiceName) => Output,
  readyTimeoutMs?: number,
): Promise<{ started: Array<LaunchedService & { url: string }>; stop(): Promise<void> }> {
  const started: Array<LaunchedService & { url: string }> = []
  const stop = async () => void (await Promise.all(started.map((s) => s.stop())))
  try {
    for (const s of services)
      started.push({ ...launch(s.name, s.spec, output(s.name)), url: s.url })
    await Promise.all(started.map((s) => s.ready(readyTimeoutMs)))
  } catch (err) {
    await stop()
    throw err
  }
  return { started, stop }
}
