import { subscribe } from 'node:diagnostics_channel'
import type { ClientRequest, IncomingMessage } from 'node:http'
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Histogram,
  type Span,
  type Tracer,
} from '@opentelemetry/api'
import { httpDuration, methodOf, TELEMETRY_SCOPE } from './http-conventions'
import { isUnsampledTrace } from './unsampled-trace'
import { redactUrl } from './url-redaction'

/**
 * Every outgoing node:http call, seen through the diagnostics channels ClientRequest publishes
 * (`http.client.request.created`, `http.client.response.finish`, `http.client.request.error`),
 * in place of the http instrumentation's patched `http.request`, which parsed and copied the
 * options, built a span and bound the request's emitters to a context for every call, sampled or
 * not (docs/telemetry-cost.md). Each call carries `traceparent` and is measured as
 * `http.client.request.duration`; only a call whose caller's span records gets a CLIENT span,
 * with the conventions' name and attributes, and passes that span on as the callee's parent. At
 * the production sampler nine calls in ten so cost a header and a histogram record.
 */

/** What a call keeps between its channels' messages. */
interface Call {
  started: number
  span: Span | undefined
}
const CALL = Symbol('shopscope.clientCall')
type TrackedRequest = ClientRequest & { [CALL]?: Call }

const setHeader = {
  set: (request: ClientRequest, key: string, value: string) => request.setHeader(key, value),
}

/** `error.type` of an answer that ended before its end: no exception names it. */
const ABORTED = 'aborted'

const hostOf = (request: ClientRequest) => String(request.getHeader('host') ?? request.host)

/** server.address and server.port as the instrumentation reported them: the Host header's. */
function serverOf(request: ClientRequest): Attributes {
  const host = hostOf(request)
  const colon = host.lastIndexOf(':')
  const defaultPort = request.protocol === 'https:' ? 443 : 80
  return colon > 0 && !host.endsWith(']')
    ? { 'server.address': host.slice(0, colon), 'server.port': Number(host.slice(colon + 1)) }
    : { 'server.address': host, 'server.port': defaultPort }
}

/**
 * Whether a call under `ctx` gets a span: under a recording span; with no trace yet the call is
 * an entry and the sampler decides; a caller's sampled context that is not our span (the
 * benchmark's ablation without server spans) keeps its client spans as before.
 */
function tracesCallUnder(ctx: Context): boolean {
  const parent = trace.getSpan(ctx)
  return parent === undefined || parent.isRecording() || !isUnsampledTrace(ctx)
}

function startClientSpan(tracer: Tracer, request: ClientRequest, parent: Context): Span {
  const method = request.method
  // Attributes only once the sampler said yes: ours decide on the trace, not on them.
  const span = tracer.startSpan(method, { kind: SpanKind.CLIENT }, parent)
  if (!span.isRecording()) return span
  const attributes: Attributes = {
    'http.request.method': methodOf(method),
    ...serverOf(request),
    'url.full': redactUrl(`${request.protocol}//${hostOf(request)}${request.path}`),
  }
  if (attributes['http.request.method'] !== method) {
    attributes['http.request.method_original'] = method
  }
  const userAgent = request.getHeader('user-agent')
  if (typeof userAgent === 'string') attributes['user_agent.original'] = userAgent
  span.setAttributes(attributes)
  return span
}

type Outcome = { response: IncomingMessage } | { error: Error }

function endClientSpan(span: Span, outcome: Outcome, attributes: Attributes): void {
  span.setAttributes(attributes)
  if ('error' in outcome) {
    // As the instrumentation did: transport errors (ECONNREFUSED, socket hang up) name no request data.
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message })
    span.recordException(outcome.error)
  } else {
    const socket = outcome.response.socket
    if (socket?.remoteAddress) {
      span.setAttributes({
        'network.peer.address': socket.remoteAddress,
        'network.peer.port': socket.remotePort,
      })
    }
    if (attributes['error.type'] !== undefined) span.setStatus({ code: SpanStatusCode.ERROR })
  }
  span.end()
}

/** The metric's attributes, the same whether the call had a span or not. */
function outcomeAttributes(request: ClientRequest, outcome: Outcome): Attributes {
  const attributes: Attributes = { 'http.request.method': methodOf(request.method) }
  Object.assign(attributes, serverOf(request))
  if ('response' in outcome) {
    const { response } = outcome
    const status = response.statusCode ?? 0
    attributes['network.protocol.version'] = response.httpVersion
    attributes['http.response.status_code'] = status
    if (status >= 400) attributes['error.type'] = String(status)
    else if (!response.complete) attributes['error.type'] = ABORTED
  } else {
    attributes['error.type'] = outcome.error.name
  }
  return attributes
}

function finish(duration: Histogram, request: TrackedRequest, outcome: Outcome): void {
  const call = request[CALL]
  if (call === undefined) return
  request[CALL] = undefined
  const attributes = outcomeAttributes(request, outcome)
  duration.record((performance.now() - call.started) / 1000, attributes)
  if (call.span !== undefined) endClientSpan(call.span, outcome, attributes)
}

/**
 * From now on every node:http call (but the SDK's own exports, `isExport`) is propagated,
 * measured and, under a recording span, traced. Call after the SDK started: a meter taken
 * earlier would be the no-op one for good.
 *
 * `spans: false`, for the benchmark's ablation only (./ablation): no call gets a client span;
 * `traceparent` (the caller's own span context) and the metric stay.
 */
export function traceClientCalls(isExport: () => boolean, options: { spans?: boolean } = {}): void {
  const duration = httpDuration('client')
  const tracer = trace.getTracer(TELEMETRY_SCOPE)
  const spans = options.spans !== false
  // Published in ClientRequest's constructor, in the caller's context, before any header is sent.
  subscribe('http.client.request.created', (message) => {
    const { request } = message as { request: TrackedRequest }
    if (isExport()) return
    const active = context.active()
    let propagated = active
    let span: Span | undefined
    if (spans && tracesCallUnder(active)) {
      const started = startClientSpan(tracer, request, active)
      propagated = trace.setSpan(active, started)
      // A root call the sampler dropped still passes its (unsampled) trace on.
      if (started.isRecording()) span = started
    }
    propagation.inject(propagated, request, setHeader)
    request[CALL] = { started: performance.now(), span }
  })
  // Published when the answer's headers are in. As the instrumentation did, the call lasts until
  // the whole answer was read; 'close' comes after 'end', and also when the answer never ends.
  subscribe('http.client.response.finish', (message) => {
    const { request, response } = message as { request: TrackedRequest; response: IncomingMessage }
    if (request[CALL] === undefined) return
    response.once('close', () => finish(duration, request, { response }))
  })
  subscribe('http.client.request.error', (message) => {
    const { request, error } = message as { request: TrackedRequest; error: Error }
    finish(duration, request, { error })
  })
}
