import { Type, type Static, type TObject } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

/** Named ranges, addresses and CIDRs, never a /0 (which would trust everyone). */
const PREFIX = '(/[1-9][0-9]{0,2})?'
const IPV4 = '[0-9]{1,3}([.][0-9]{1,3}){3}'
const IPV6 = '[0-9A-Fa-f]*:[0-9A-Fa-f:.]*'
const PROXY = `(loopback|linklocal|uniquelocal|${IPV4}${PREFIX}|${IPV6}${PREFIX})`
const TRUSTED_PROXIES = `^(${PROXY}(,${PROXY})*)?$`

/** Fastify's `trustProxy` for a TRUST_PROXY value. */
export const trustProxy = (value: string): false | string => (value === '' ? false : value)

/** Variables every service understands. */
export const BaseEnv = Type.Object({
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Integer({ minimum: 1, maximum: 65535 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Upper bound for draining in-flight requests on SIGTERM. */
  /** On SIGTERM, how long to keep serving (not ready, `Connection: close`) before closing. */
  SHUTDOWN_DELAY_MS: Type.Integer({ minimum: 0, default: 0 }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  SERVICE_VERSION: Type.String({ default: '0.1.0' }),
  /**
   * Which proxies in front of the service may say who the client is (X-Forwarded-For), for
   * `request.ip`: '' (none: the socket's address) or a comma-separated list of addresses, CIDRs
   * and the names loopback, linklocal, uniquelocal (private ranges). Never "everyone" nor a
   * hop count: a client could then claim any address.
   */
  TRUST_PROXY: Type.String({ default: '', pattern: TRUSTED_PROXIES }),
  /**
   * The admin listener (fault injection, what a service adds with `admin`): its own port, never
   * the public one nor a Service port. 0, the default: none.
   */
  ADMIN_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
  /** Where the admin listener binds: only the pod itself (kubectl port-forward) by default. */
  ADMIN_HOST: Type.String({ default: '127.0.0.1' }),
  /**
   * Budgets of a client's connection (a slow client on a NodePort must not hold one for ever):
   * the headers must have arrived within HEADERS_TIMEOUT_MS and the whole request within
   * REQUEST_TIMEOUT_MS (else 408 and closed); a socket idle for CONNECTION_TIMEOUT_MS — longer
   * than any answer takes — is closed, and a kept-alive one after KEEP_ALIVE_TIMEOUT_MS (above
   * the callers' pooled-connection idle time, so none reuses a socket being closed).
   */
  HEADERS_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 }),
  CONNECTION_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 60_000 }),
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 72_000 }),
  /** "production" refuses what only development and tests may switch on (fault injection). */
  SHOPSCOPE_ENV: Type.String({ default: '' }),
})
export type BaseConfig = Static<typeof BaseEnv>

export const DatabaseEnv = Type.Object({
  /** mysql://user:password@host:3306/database */
  DATABASE_URL: Type.String({ pattern: '^mysql://.+/[A-Za-z0-9_]+' }),
  DB_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
})

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment: ${problems.join('; ')}`)
    this.name = 'ConfigError'
  }
}

/**
 * Reads `env` against `schema`: converts strings to numbers/booleans, applies defaults and
 * fails with one message naming every bad variable, so a broken Deployment says why at boot.
 */
export function loadConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv): Static<T> {
  const keys = Object.keys(schema.properties)
  const picked: Record<string, unknown> = {}
  for (const key of keys) if (env[key] !== undefined && env[key] !== '') picked[key] = env[key]
  const value = Value.Default(schema, Value.Convert(schema, picked))
  const problems = [...Value.Errors(schema, value)].map((e) => {
    const name = e.path.replace(/^\//, '') || 'environment'
    const shown = /SECRET|PASSWORD|URL|KEY|TOKEN/.test(name)
      ? ''
      : ` (got ${JSON.stringify(picked[name])})`
    return `${name} ${e.message.toLowerCase()}${shown}`
  })
  if (problems.length > 0) throw new ConfigError([...new Set(problems)])
  return value as Static<T>
}
