import { subscribe } from 'node:diagnostics_channel'
import { context, propagation, trace, type Attributes, type Span } from '@opentelemetry/api'
import { httpDuration, methodOf } from './http-conventions'
import { redactPath } from './url-redaction'

/**
 * One server span per request, from @fastify/otel, and `http.server.request.duration` from a
 * Fastify hook. The http instrumentation's server side is off: it duplicated the request span
 * and bound every request and response emitter to a context, the largest single telemetry cost
 * of a request (tests/bench, README "Benchmark").
 */

/** The parts of Fastify's request and reply these hooks read (the bootstrap has no fastify dependency). */
export interface ServerRequest {
  method: string
  url: string
  protocol?: string
  ip?: string
  headers: Record<string, string | string[] | undefined>
  routeOptions: { url?: string }
  raw: { httpVersion: string }
}
interface ServerReply {
  statusCode: number
  elapsedTime: number
}
type Hook = (request: ServerRequest, reply: ServerReply, done: () => void) => void
interface FastifyInstance {
  addHook(name: 'onRequest' | 'onResponse', hook: Hook): unknown
}

/** The key @opentelemetry/core's suppressTracing() sets (context keys are Symbol.for). */
export const SUPPRESS_TRACING = Symbol.for('OpenTelemetry SDK Context Key SUPPRESS_TRACING')

/** @fastify/otel's requestHook: the name and attributes the conventions give a server span. */
export function describeServerSpan(span: Span, request: ServerRequest): void {
  // An unsampled request's span drops them anyway.
  if (!span.isRecording()) return
  const route = request.routeOptions.url
  span.updateName(route ? `${methodOf(request.method)} ${route}` : methodOf(request.method))
  const attributes: Attributes = {
    // In place of @fastify/otel's, which is the request's URL, query string and ids included.
    'url.path': redactPath(request.url),
    'url.scheme': request.protocol ?? 'http',
    'network.protocol.version': request.raw.httpVersion,
  }
  const userAgent = request.headers['user-agent']
  if (typeof userAgent === 'string') attributes['user_agent.original'] = userAgent
  if (request.ip) attributes['client.address'] = request.ip
  span.setAttributes(attributes)
}

/** Header getter for propagation.extract over Fastify's (already lower-cased) headers. */
const headerGetter = {
  keys: (headers: ServerRequest['headers']) => Object.keys(headers),
  get: (headers: ServerRequest['headers'], key: string) => headers[key],
}

/**
 * Every Fastify instance created from now on records `http.server.request.duration` (seconds,
 * stable conventions) and runs requests to `untracedRoutes` (probes, scrapes) with tracing
 * suppressed, so nothing they do underneath becomes a root span. Call after the SDK started:
 * a meter taken earlier would be the no-op one for good.
 *
 * `extractCallerContext`, for the benchmark's ablation without @fastify/otel only (./ablation):
 * the caller's `traceparent` becomes the request's active context, as @fastify/otel would make it
 * the parent of its span, so that what runs underneath still sees the caller's trace.
 */
export function measureFastifyServers(
  untracedRoutes: readonly string[],
  options: { extractCallerContext?: boolean } = {},
) {
  // The matched route, already parsed by Fastify: no URL slicing on every request.
  const untraced = new Set(untracedRoutes)
  const isUntraced = (request: ServerRequest) => untraced.has(request.routeOptions.url ?? '')
  const duration = httpDuration('server')
  const suppressUntraced: Hook = (request, _reply, done) => {
    if (!isUntraced(request)) {
      if (!options.extractCallerContext || trace.getSpan(context.active())) return done()
      return context.with(
        propagation.extract(context.active(), request.headers, headerGetter),
        done,
      )
    }
    context.with(context.active().setValue(SUPPRESS_TRACING, true), done)
  }
  const record: Hook = (request, reply, done) => {
    if (!isUntraced(request)) {
      const attributes: Attributes = {
        'http.request.method': methodOf(request.method),
        'http.response.status_code': reply.statusCode,
        'url.scheme': request.protocol ?? 'http',
        'network.protocol.version': request.raw.httpVersion,
      }
      const route = request.routeOptions.url
      if (route) attributes['http.route'] = route
      if (reply.statusCode >= 500) attributes['error.type'] = String(reply.statusCode)
      duration.record(reply.elapsedTime / 1000, attributes)
    }
    done()
  }
  subscribe('fastify.initialization', (message) => {
    const { fastify } = message as { fastify: FastifyInstance }
    fastify.addHook('onRequest', suppressUntraced)
    fastify.addHook('onResponse', record)
  })
}
