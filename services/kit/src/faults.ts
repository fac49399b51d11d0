import { createHash, timingSafeEqual } from 'node:crypto'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { HttpProblem } from './problem'
import { OPERATIONAL_PATHS } from './health'

/**
 * Fault injection switches, all off by default (like the OpenTelemetry Demo's flags), and off
 * unless FAULT_INJECTION_ENABLED says so: a production install never boots with one set.
 */
export const FaultEnv = Type.Object({
  /** The one switch that allows the others; refused when SHOPSCOPE_ENV is production. */
  FAULT_INJECTION_ENABLED: Type.Boolean({ default: false }),
  /** Added to every API request, in milliseconds. */
  FAULT_LATENCY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }),
  /** Share of API requests answered 500, from 0 to 1. */
  FAULT_ERROR_RATE: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  /** Name of an upstream (e.g. "product-service") whose calls fail as if it were down. */
  FAULT_FAIL_DEPENDENCY: Type.String({ default: '' }),
  /**
   * Enables PUT /admin/faults on the admin listener (ADMIN_PORT, never the public port); the
   * request must carry it as a bearer token. Long enough not to be guessed.
   */
  FAULT_ADMIN_TOKEN: Type.String({ default: '', pattern: '^(.{32,})?$' }),
})
export type FaultConfig = Static<typeof FaultEnv>

/** Cross-variable rules of fault injection: what a single variable's schema cannot say. */
export function faultConfigProblems(
  config: FaultConfig & { ADMIN_PORT: number; SHOPSCOPE_ENV: string },
): string[] {
  const anySet =
    config.FAULT_LATENCY_MS > 0 ||
    config.FAULT_ERROR_RATE > 0 ||
    config.FAULT_FAIL_DEPENDENCY !== '' ||
    config.FAULT_ADMIN_TOKEN !== ''
  const problems: string[] = []
  if (config.FAULT_INJECTION_ENABLED && config.SHOPSCOPE_ENV === 'production')
    problems.push('FAULT_INJECTION_ENABLED is refused when SHOPSCOPE_ENV is production')
  else if (anySet && !config.FAULT_INJECTION_ENABLED)
    problems.push('FAULT_* variables are set but fault injection is off (FAULT_INJECTION_ENABLED)')
  if (config.FAULT_ADMIN_TOKEN !== '' && config.ADMIN_PORT === 0)
    problems.push('FAULT_ADMIN_TOKEN needs the admin listener (ADMIN_PORT)')
  return problems
}

/** Live switches; read by the request hook and by every Upstream call. */
export const faultState = { latencyMs: 0, errorRate: 0, failDependency: '' }

const FaultBody = Type.Object(
  {
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    errorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    failDependency: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The public side: the switches applied to every API request. */
export const faults = fp<{ config: FaultConfig }>(async (app, { config }) => {
  faultState.latencyMs = config.FAULT_LATENCY_MS
  faultState.errorRate = config.FAULT_ERROR_RATE
  faultState.failDependency = config.FAULT_FAIL_DEPENDENCY
  if (!config.FAULT_INJECTION_ENABLED) return

  app.addHook('preHandler', async (request) => {
    const route = request.routeOptions.url
    if (!route || OPERATIONAL_PATHS.includes(route)) return
    if (faultState.latencyMs > 0) await sleep(faultState.latencyMs)
    if (faultState.errorRate > 0 && Math.random() < faultState.errorRate) {
      throw new HttpProblem(500, 'Injected fault')
    }
  })
})

/** Wrong tokens one address may send per window before it must wait (a guess costs minutes). */
export const ADMIN_AUTH_FAILURES_PER_WINDOW = 5
const WINDOW_MS = 60_000

const digest = (value: string) => createHash('sha256').update(value).digest()

/**
 * PUT /admin/faults on the admin listener. The token is compared in constant time (equal-length
 * digests), and an address that sent too many wrong ones is refused for the rest of the minute,
 * the right token included, so guessing gains nothing.
 */
export function registerFaultAdmin(admin: FastifyInstance, token: string): void {
  const expected = digest(`Bearer ${token}`)
  const failures = new Map<string, { count: number; resetAt: number }>()

  admin.put(
    '/admin/faults',
    { schema: { hide: true, body: FaultBody } },
    async (request, reply) => {
      const now = Date.now()
      const seen = failures.get(request.ip)
      const current = seen && seen.resetAt > now ? seen : { count: 0, resetAt: now + WINDOW_MS }
      if (current.count >= ADMIN_AUTH_FAILURES_PER_WINDOW) {
        reply.header('retry-after', String(Math.ceil((current.resetAt - now) / 1000)))
        throw new HttpProblem(429, 'Too many wrong admin tokens; try again later')
      }
      if (!timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
        current.count += 1
        if (failures.size >= 10_000) failures.clear() // bounded, whatever the addresses
        failures.set(request.ip, current)
        throw new HttpProblem(401, 'A valid admin token is required')
      }
      failures.delete(request.ip)
      Object.assign(faultState, request.body as Partial<typeof faultState>)
      request.log.warn({ faults: faultState }, 'fault injection changed')
      return reply.send(faultState)
    },
  )
}
