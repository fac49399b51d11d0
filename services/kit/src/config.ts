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
