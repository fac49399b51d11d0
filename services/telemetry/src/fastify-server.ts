import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type SpanOptions,
  type SpanStatus,
} from '@opentelemetry/api'
import { httpDuration, methodOf } from './http-conventions'
import { redactPath } from './url-redaction'

/**
 * A request's one SERVER span and `http.server.request.duration`, from three hooks the bootstrap
 * adds to every Fastify instance. In place of @fastify/otel, which built an attributes object,
 * a span and a request decoration per request, sampled or not, and added an onSend and an onError
 * hook to every route: here a request that is not sampled costs the extraction of its
 * `traceparent`, the sampler's decision and one `context.with`, nothing else
 * (docs/telemetry-cost.md, section 3). The http instrumentation's server side is off too: it
 * duplicated the request span and bound every request and response emitter to a context.
 */

/** The scope of the server spans, as of the bootstrap's metrics. */
export const SERVER_SPAN_SCOPE = '@shopscope/telemetry'

/** Probes and scrapes: neither traced nor measured (same list as the kit's OPERATIONAL_PATHS). */
export const UNTRACED_PATHS = ['/healthz', '/readyz', '/metrics']

/**
 * The frontend's relay of the browser's spans (frontend/src/routes/otlp.ts): measured, not
 * traced, or every export of a trace would make a trace of its own.
 */
export const RELAY_PATHS = ['/otlp/v1/traces']

/** The key @opentelemetry/core's suppressTracing() sets (context keys are Symbol.for). */
export const SUPPRESS_TRACING = Symbol.for('OpenTelemetry SDK Context Key SUPPRESS_TRACING')

/** Where a request keeps its span between the hooks, only while it records. */
const SERVER_SPAN = Symbol('shopscope.serverSpan')

/** The parts of Fastify's request and reply these hooks read (the bootstrap has no fastify dependency). */
export interface ServerRequest {
  method: string
  url: string
  protocol?: string
  ip?: string
  headers: Record<string, string | string[] | undefined>
  routeOptions: { url?: string }
  raw: { httpVersion: string }
  [SERVER_SPAN]?: Span | null
}
interface ServerReply {
  statusCode: number
  elapsedTime: number
}
type Done = () => void
type Hook = (request: ServerRequest, reply: ServerReply, done: Done) => void
type SendHook = (
  request: ServerRequest,
  reply: ServerReply,
  payload: unknown,
  done: (error: null, payload: unknown) => void,
) => void
interface FastifyInstance {
  addHook(name: 'onRequest' | 'onResponse', hook: Hook): unknown
  addHook(name: 'onSend', hook: SendHook): unknown
  decorateRequest(name: symbol, value: null): unknown
}

/** Header getter for propagation.extract over Fastify's (already lower-cased) headers. */
const headerGetter = {
  keys: (headers: ServerRequest['headers']) => Object.keys(headers),
  get: (headers: ServerRequest['headers'], key: string) => headers[key],
}

/** The same object for every request: startSpan only reads it. */
const SERVER: SpanOptions = { kind: SpanKind.SERVER }

/** What the conventions say of a server span; called only for a span that records. */
export function describeServerSpan(
  span: Span,
  request: ServerRequest,
  route: string | undefined,
): void {
  const method = methodOf(request.method)
  const attributes: Attributes = {
    'http.request.method': method,
    // The request's path without its query, reservation ids replaced (./url-redaction).
    'url.path': redactPath(request.url),
    'url.scheme': request.protocol ?? 'http',
    'network.protocol.version': request.raw.httpVersion,
  }
  if (route) attributes['http.route'] = route
  if (method !== request.method) attributes['http.request.method_original'] = request.method
  const userAgent = request.headers['user-agent']
  if (typeof userAgent === 'string') attributes['user_agent.original'] = userAgent
  if (request.ip) attributes['client.address'] = request.ip
  span.setAttributes(attributes)
}

/** The SDK's recording span: its status so far (ReadableSpan's public field). */
type Recording = Span & { status?: SpanStatus }

function endServerSpan(span: Span, statusCode: number): void {
  span.setAttribute('http.response.status_code', statusCode)
  // The error handlers (kit/src/problem.ts, the frontend's) set a safe status and record the
  // scrubbed exception; a 5xx answered without an error gets the bare status, which must not
  // replace theirs (setStatus drops the message).
  if (statusCode >= 500) {
    span.setAttribute('error.type', String(statusCode))
    if ((span as Recording).status?.code !== SpanStatusCode.ERROR) {
      span.setStatus({ code: SpanStatusCode.ERROR })
    }
  }
  span.end()
}

/**
 * Every Fastify instance created from now on gets, per request:
 * - onRequest: the caller's `traceparent` extracted, a SERVER span `METHOD /route` started under
 *   it (the sampler decides there, untrusted parents included: ./untrusted-parent-sampler) and made
 *   the active context for the rest of the request. The hook's `done` runs the request's later
 *   hooks, parsing and handler, and Fastify keeps the async context across them (its body parser
 *   runs in an AsyncResource): one `context.with` covers the handler, its queries, calls and
 *   log lines. Attributes only when the span records.
 * - onSend: the status code, ERROR on a 5xx, end. Not onResponse, which Fastify skips when the
 *   client went away before the answer: the span would never end, and its children would be
 *   exported without it.
 * - onResponse: `http.server.request.duration` (seconds, stable conventions).
 * Requests to `UNTRACED_PATHS` (probes, scrapes) run with tracing suppressed, so nothing they do
 * underneath becomes a root span, and are not measured; `RELAY_PATHS` are measured, not traced.
 * Call after the SDK started: a tracer or meter taken earlier would be the no-op one for good.
 *
 * `serverSpans: false`, for the benchmark's ablation only (./ablation): no span; the caller's
 * context is still extracted and made active, and the duration still recorded. Returns what
 * stops instrumenting the instances created after it (for tests).
 */
export function instrumentFastifyServers(options: { serverSpans: boolean }): () => void {
  const untraced = new Set(UNTRACED_PATHS)
  const relayed = new Set(RELAY_PATHS)
  const tracer = trace.getTracer(SERVER_SPAN_SCOPE)
  const duration = httpDuration('server')

  const start: Hook = (request, _reply, done) => {
    // The matched route, already parsed by Fastify: no URL slicing on every request.
    const route = request.routeOptions.url
    if (route !== undefined) {
      if (untraced.has(route)) {
        return context.with(context.active().setValue(SUPPRESS_TRACING, true), done)
      }
      if (relayed.has(route)) return done()
    }
    const active = context.active()
    // A request made from inside a span (inject() in a test) continues that span's trace.
    const parent = trace.getSpan(active)
      ? active
      : propagation.extract(active, request.headers, headerGetter)
    if (!options.serverSpans) return context.with(parent, done)
    const method = methodOf(request.method)
    const span = tracer.startSpan(route ? `${method} ${route}` : method, SERVER, parent)
    if (span.isRecording()) {
      describeServerSpan(span, request, route)
      request[SERVER_SPAN] = span
    }
    context.with(trace.setSpan(parent, span), done)
  }

  const end: SendHook = (request, reply, payload, done) => {
    const span = request[SERVER_SPAN]
    if (span) {
      request[SERVER_SPAN] = null
      endServerSpan(span, reply.statusCode)
    }
    done(null, payload)
  }

  const record: Hook = (request, reply, done) => {
    // An answer that skipped onSend (hijacked) still ends its span.
    const span = request[SERVER_SPAN]
    if (span) {
      request[SERVER_SPAN] = null
      endServerSpan(span, reply.statusCode)
    }
    const route = request.routeOptions.url
    if (route === undefined || !untraced.has(route)) {
      const attributes: Attributes = {
        'http.request.method': methodOf(request.method),
        'http.response.status_code': reply.statusCode,
        'url.scheme': request.protocol ?? 'http',
        'network.protocol.version': request.raw.httpVersion,
      }
      if (route) attributes['http.route'] = route
      if (reply.statusCode >= 500) attributes['error.type'] = String(reply.statusCode)
      duration.record(reply.elapsedTime / 1000, attributes)
    }
    done()
  }

  const instrument = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance }
    // A declared slot keeps every request object the same shape.
    fastify.decorateRequest(SERVER_SPAN, null)
    fastify.addHook('onRequest', start)
    fastify.addHook('onSend', end)
    fastify.addHook('onResponse', record)
  }
  subscribe('fastify.initialization', instrument)
  return () => unsubscribe('fastify.initialization', instrument)
}
