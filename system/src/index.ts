/**
 * The typed model of shopscope, read by cdk8s, the local stack, the dev runner and the tests:
 * the services, the platform's namespaces and endpoints, the cache folder and the pinned
 * versions. Nothing else spells a service name, a port list, a namespace or the cache folder.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

// --- The services ---
// The services themselves do not import this (their images carry no tooling):
// test/services.test.ts checks it against each service's own definition.

/** What the model says about one service. */
export interface Service<Name extends string = string> {
  name: Name
  /** The port it listens on, in the cluster and (by default) on a developer's machine. */
  port: number
  /** The MySQL database it owns, or null: it keeps no state of its own. */
  database: string | null
  /** The services it calls, each reached through that service's `urlEnv` variable. */
  dependencies: readonly ServiceName[]
  /** The variable a caller is given this service's base URL in (`USER_SERVICE_URL`). */
  urlEnv: string
  /**
   * Its image, without registry and tag: the chart pulls `<registry>/<image>:<tag>`, and
   * `make images` tags `localhost/<image>:local`.
   */
  image: string
}

/** The chart's `image.repository`: every service image is `<IMAGE_REPOSITORY>/<service>`. */
export const IMAGE_REPOSITORY = 'shopscope'

/** The service names, in the order the chart, cdk8s and the docs list them. */
export const SERVICE_NAMES = [
  'frontend',
  'user-service',
  'product-service',
  'order-service',
] as const
export type ServiceName = (typeof SERVICE_NAMES)[number]

const service = <Name extends ServiceName>(
  name: Name,
  port: number,
  database: string | null,
  dependencies: readonly ServiceName[],
): Service<Name> => ({
  name,
  port,
  database,
  dependencies,
  urlEnv: `${name.replace(/-/g, '_').toUpperCase()}_URL`,
  image: `${IMAGE_REPOSITORY}/${name}`,
})

export const SERVICES: { readonly [N in ServiceName]: Service<N> } = {
  /** The shop's pages and its public entry point: it calls the three APIs. */
  frontend: service('frontend', 8080, null, ['user-service', 'product-service', 'order-service']),
  'user-service': service('user-service', 8081, 'users', []),
  'product-service': service('product-service', 8082, 'products', []),
  /** A checkout reserves, commits and releases stock at product-service. */
  'order-service': service('order-service', 8083, 'orders', ['product-service']),
}

/** Every service, in SERVICE_NAMES' order. */
export const ALL_SERVICES: readonly Service<ServiceName>[] = SERVICE_NAMES.map((n) => SERVICES[n])

/** A service that owns a database, with its name. */
export type ServiceWithDatabase = Service<ServiceName> & { database: string }
/** The services that own a MySQL database (one StatefulSet each in the cluster). */
export const SERVICES_WITH_DATABASE = ALL_SERVICES.filter(
  (s): s is ServiceWithDatabase => s.database !== null,
)

/**
 * The services with each one after the services it calls: the order to start them in, so that
 * a service is ready before its callers (user, product, order, frontend).
 */
export const SERVICES_BY_DEPENDENCY: readonly Service<ServiceName>[] = (() => {
  const ordered: Service<ServiceName>[] = []
  while (ordered.length < ALL_SERVICES.length) {
    const ready = ALL_SERVICES.filter(
      (s) => !ordered.includes(s) && s.dependencies.every((d) => ordered.includes(SERVICES[d])),
    )
    if (ready.length === 0) throw new Error('the services call each other in a cycle')
    ordered.push(...ready)
  }
  return ordered
})()

/**
 * The base-URL variables of every service another one calls (USER_SERVICE_URL, …), each set to
 * `url(service)`: the environment a stack gives its services so that they find each other.
 */
export function serviceUrlEnv(url: (service: ServiceName) => string): Record<string, string> {
  const called = ALL_SERVICES.filter((s) =>
    ALL_SERVICES.some((c) => c.dependencies.includes(s.name)),
  )
  return Object.fromEntries(called.map((s) => [s.urlEnv, url(s.name)]))
}

/** The variables `service` finds the services it calls in, each set to `url(dependency)`. */
export function dependencyUrlEnv(
  service: ServiceName,
  url: (dependency: ServiceName) => string,
): Record<string, string> {
  return Object.fromEntries(SERVICES[service].dependencies.map((d) => [SERVICES[d].urlEnv, url(d)]))
}

/** The port of every MySQL server: the cluster's StatefulSets and the services' DATABASE_URLs. */
export const MYSQL_PORT = 3306

// --- The platform: names other pieces depend on (the chart's values, operator-config/, the
// tests), spelled here once, so a rename is one change here ---

export const NAMESPACES = {
  /** The app (Helm release) and its MySQL databases. */
  shop: 'shop',
  /** Collector, Jaeger, the logs store and kube-prometheus-stack (Prometheus, Alertmanager, Grafana). */
  observability: 'observability',
  /** The OpenTelemetry Operator (its own Helm chart). */
  operator: 'opentelemetry-operator-system',
} as const

/** The OpenTelemetryCollector CR; the operator names its Service `<name>-collector`. */
export const COLLECTOR = {
  name: 'shopscope',
  serviceName: 'shopscope-collector',
  otlpGrpcPort: 4317,
  otlpHttpPort: 4318,
  /** The Collector's own telemetry (operator Service `<name>-collector-monitoring`). */
  monitoringPort: 8888,
} as const

export const JAEGER = { name: 'jaeger', otlpGrpcPort: 4317, queryPort: 16686 } as const
export const LOKI = { name: 'loki', httpPort: 3100 } as const
/** Loki's stand-in where Loki cannot run (PlatformInputs.logsBackend); its UI is under /select/vmui/. */
export const VICTORIA_LOGS = { name: 'victoria-logs', httpPort: 9428 } as const

/**
 * Node ports of what a person opens in a browser; kind-config.yaml maps each to a fixed
 * localhost port (a test checks the three places agree).
 */
export const NODE_PORTS = {
  shop: 30080,
  grafana: 30030,
  jaeger: 30686,
  prometheus: 30090,
  alertmanager: 30093,
  /** VictoriaLogs' UI and query API, where it is the logs store (in-box). */
  victoriaLogs: 30428,
  /** docs/runbooks/, served beside the alert receiver: where the alerts' runbook_url lead. */
  runbooks: 30096,
} as const

// --- The machine: the repository, the cache, the pinned versions ---
/** The repository's root. */
export const REPO_ROOT = join(__dirname, '..', '..')

/**
 * The cache of downloaded and built tools (node, kubectl, images, Python tools): SHOPSCOPE_CACHE
 * when set and not empty, else ~/.cache/shopscope, as the shell scripts' `${SHOPSCOPE_CACHE:-…}`.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SHOPSCOPE_CACHE || join(homedir(), '.cache', 'shopscope')
}

/** Every pin of versions.env, by key (`KUBERNETES_VERSION` → `1.37.2`). */
export type Versions = Readonly<Record<string, string>>

/**
 * Parses versions.env (KEY=value lines, `#` comments, `${OTHER}` references to earlier keys):
 * the one file every pinned version lives in, shared with Make and the shell scripts.
 */
export function parseVersions(text: string): Versions {
  const versions: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line)
    if (!match) throw new Error(`versions.env: cannot parse line "${line}"`)
    const [, key, value] = match as unknown as [string, string, string]
    versions[key] = value.replace(/\$\{([A-Z0-9_]+)\}/g, (_all, ref: string) => {
      const resolved = versions[ref]
      if (resolved === undefined) throw new Error(`versions.env: ${key} refers to unknown ${ref}`)
      return resolved
    })
  }
  return versions
}

/** The repository's versions.env, or the file at `path`. */
export function readVersions(path = join(REPO_ROOT, 'versions.env')): Versions {
  return parseVersions(readFileSync(path, 'utf8'))
}

/** The value of `key`, or an error naming the missing pin. */
export function pinned(versions: Versions, key: string): string {
  const value = versions[key]
  if (!value) throw new Error(`versions.env: ${key} is not pinned`)
  return value
}
