import { Type, type Static } from '@sinclair/typebox'
import fp from 'fastify-plugin'
import { HttpProblem } from './problem'
import { OPERATIONAL_PATHS } from './health'

/** Fault injection switches, all off by default (like the OpenTelemetry Demo's flags). */
export const FaultEnv = Type.Object({
  /** Added to every API request, in milliseconds. */
  FAULT_LATENCY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }),
  /** Share of API requests answered 500, from 0 to 1. */
  FAULT_ERROR_RATE: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  /** Name of an upstream (e.g. "product-service") whose calls fail as if it were down. */
  FAULT_FAIL_DEPENDENCY: Type.String({ default: '' }),
  /** Enables PUT /admin/faults when set; the request must carry it as a bearer token. */
  FAULT_ADMIN_TOKEN: Type.String({ default: '' }),
})
export type FaultConfig = Static<typeof FaultEnv>

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

export const faults = fp<{ config: FaultConfig }>(async (app, { config }) => {
  faultState.latencyMs = config.FAULT_LATENCY_MS
  faultState.errorRate = config.FAULT_ERROR_RATE
  faultState.failDependency = config.FAULT_FAIL_DEPENDENCY

  app.addHook('preHandler', async (request) => {
    const route = request.routeOptions.url
    if (!route || route.startsWith('/admin/') || OPERATIONAL_PATHS.includes(route)) return
    if (faultState.latencyMs > 0) await sleep(faultState.latencyMs)
    if (faultState.errorRate > 0 && Math.random() < faultState.errorRate) {
      throw new HttpProblem(500, 'Injected fault')
    }
  })

  if (!config.FAULT_ADMIN_TOKEN) return
  app.put('/admin/faults', { schema: { hide: true, body: FaultBody } }, async (request, reply) => {
    if (request.headers.authorization !== `Bearer ${config.FAULT_ADMIN_TOKEN}`) {
      throw new HttpProblem(401, 'A valid admin token is required')
    }
    Object.assign(faultState, request.body)
    request.log.warn({ faults: faultState }, 'fault injection changed')
    return reply.send(faultState)
  })
})
