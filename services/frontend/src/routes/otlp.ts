import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify'
import { context, createContextKey } from '@opentelemetry/api'
import type { Metrics } from '../metrics'
import { BadSpans, browserSpans } from '../otlp-spans'
import { RateLimiter } from '../rate-limit'

export const OTLP_TRACES_PATH = '/otlp/v1/traces'
/** A document load is 10-40 spans (~20 KB of JSON); a click a handful. */
export const BODY_LIMIT = 128 * 1024
/** A page load and a few clicks per minute are one or two exports each. */
export const RATE_BURST = 30
export const RATE_EVERY_MS = 2000
const UPSTREAM_TIMEOUT_MS = 2000

/** The SDK's key: the forward is the browser's telemetry, not the shop's traffic to trace. */
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING')

/**
 * Where the service's own SDK sends traces over OTLP/HTTP, as the SDK reads the same variables:
 * fixed at start, never from the request, so this is no proxy to anywhere else.
 */
export function collectorTracesUrl(env: {
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string
  OTEL_EXPORTER_OTLP_ENDPOINT?: string
}): string {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://localhost:4318'
  return `${base.replace(/\/+$/, '')}/v1/traces`
}

function problem(reply: FastifyReply, status: number, error: string) {
  return reply.code(status).type('application/json; charset=utf-8').send({ error })
}

/**
 * POST /otlp/v1/traces: the browser's spans (web/telemetry.ts), checked and rebuilt
 * (../otlp-spans), sent on to the Collector. Never a 5xx: a browser retries those, and the
 * shop's pages must not pay for a Collector outage; what cannot be delivered is answered as
 * OTLP's partial success (rejected, do not retry) and counted.
 */
export const otlpRoutes: FastifyPluginAsync<{ upstream: string; metrics: Metrics }> = async (
  app,
  { upstream, metrics },
) => {
  const limiter = new RateLimiter(RATE_BURST, RATE_EVERY_MS)

  // JSON answers here, not the shop's error pages.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      metrics.spanExport(status === 413 ? 'too_large' : 'invalid')
      return problem(reply, status, error.message)
    }
    request.log.error({ err: error }, 'browser span relay failed')
    metrics.spanExport('dropped')
    return reply.code(200).send({ partialSuccess: { errorMessage: 'spans dropped' } })
  })

  app.post(
    OTLP_TRACES_PATH,
    {
      bodyLimit: BODY_LIMIT,
      config: { csrf: false },
      // Before the body is read: an address over its budget, or a body that is not OTLP/JSON,
      // costs nothing more.
      onRequest: async (request, reply) => {
        if (!limiter.take(request.ip)) {
          metrics.spanExport('rate_limited')
          reply.header('retry-after', String(limiter.retryAfter(request.ip)))
          return problem(reply, 429, 'Too many span exports from this address; retry later.')
        }
        const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
        if (type !== 'application/json') {
          metrics.spanExport('unsupported_media_type')
          return problem(reply, 415, 'Only OTLP/JSON (content-type application/json) is accepted.')
        }
      },
    },
    async (request, reply) => {
      let checked: ReturnType<typeof browserSpans>
      try {
        checked = browserSpans(request.body)
      } catch (error) {
        if (!(error instanceof BadSpans)) throw error
        metrics.spanExport('invalid')
        return problem(reply, 400, `Not an OTLP/JSON trace export: ${error.message}`)
      }
      const failure = await context.with(context.active().setValue(SUPPRESS_TRACING, true), () =>
        fetch(upstream, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(checked.request),
          signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
        }).then(
          async (response) => {
            await response.arrayBuffer().catch(() => undefined)
            return response.ok ? undefined : `the collector answered ${response.status}`
          },
          (error: Error) => `the collector is unreachable (${error.name})`,
        ),
      )
      if (failure === undefined) {
        metrics.spanExport('forwarded')
        return reply.code(200).send({})
      }
      metrics.spanExport('dropped')
      metrics.spansDropped(checked.spans)
      request.log.warn({ reason: failure, spans: checked.spans }, 'browser spans dropped')
      return reply.code(200).send({
        partialSuccess: {
          rejectedSpans: String(checked.spans),
          errorMessage: `${failure}; dropped`,
        },
      })
    },
  )
}
