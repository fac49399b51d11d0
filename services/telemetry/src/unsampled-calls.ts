import { subscribe } from 'node:diagnostics_channel'
import type { ClientRequest, IncomingMessage } from 'node:http'
import {
  context,
  propagation,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Histogram,
} from '@opentelemetry/api'
import { httpDuration, methodOf } from './http-conventions'

/**
 * The unsampled fast path of outgoing HTTP calls. At the production sampler nine requests in ten
 * are not sampled, yet the http instrumentation still gives each of their calls a span (a
 * non-recording one), builds its attributes and binds the request's emitters to a context: most
 * of what telemetry costs such a request (tests/bench, README "Benchmark"). The instrumentation
 * skips those calls (isUnsampledCall is part of its ignoreOutgoingRequestHook) and this keeps
 * what they still need: the `traceparent` header, so that the callee follows the decision and
 * its logs carry the trace id, and `http.client.request.duration` with the instrumentation's
 * attributes.
 */

/** Whether `ctx` carries a valid trace that is not sampled (no trace: false). */
export function isUnsampledTrace(ctx: Context): boolean {
  const spanContext = trace.getSpanContext(ctx)
  if (spanContext === undefined) return false
  return (
    (spanContext.traceFlags & TraceFlags.SAMPLED) === 0 && trace.isSpanContextValid(spanContext)
  )
}

/** Under a trace that is known and not sampled; without a trace, the instrumentation decides. */
export const isUnsampledCall = (): boolean => isUnsampledTrace(context.active())

const STARTED = Symbol('shopscope.unsampledCallStarted')
type TrackedRequest = ClientRequest & { [STARTED]?: number }

const setHeader = {
  set: (request: ClientRequest, key: string, value: string) => request.setHeader(key, value),
}

/** server.address and server.port as the instrumentation reports them: the Host header's. */
function serverOf(request: ClientRequest): Attributes {
  const host = String(request.getHeader('host') ?? request.host)
  const colon = host.lastIndexOf(':')
  const defaultPort = request.protocol === 'https:' ? 443 : 80
  return colon > 0 && !host.endsWith(']')
    ? { 'server.address': host.slice(0, colon), 'server.port': Number(host.slice(colon + 1)) }
    : { 'server.address': host, 'server.port': defaultPort }
}

function record(
  duration: Histogram,
  request: TrackedRequest,
  outcome: { response: IncomingMessage } | { error: Error },
) {
  const started = request[STARTED]
  if (started === undefined) return
  delete request[STARTED]
  const attributes: Attributes = { 'http.request.method': methodOf(request.method) }
  Object.assign(attributes, serverOf(request))
  if ('response' in outcome) {
    const status = outcome.response.statusCode ?? 0
    attributes['network.protocol.version'] = outcome.response.httpVersion
    attributes['http.response.status_code'] = status
    if (status >= 400) attributes['error.type'] = String(status)
  } else {
    attributes['error.type'] = outcome.error.name
  }
  duration.record((performance.now() - started) / 1000, attributes)
}

/**
 * From now on, every call made under an unsampled trace (and not by the SDK's own exports,
 * `isExport`) carries that trace's `traceparent` and is measured. Call after the SDK started: a
 * meter taken earlier would be the no-op one for good.
 *
 * `everyCall`, for the benchmark's ablation without the http instrumentation only (./ablation):
 * every call takes this path, sampled or not, and none gets a client span.
 */
export function measureUnsampledCalls(
  isExport: () => boolean,
  options: { everyCall?: boolean } = {},
): void {
  const duration = httpDuration('client')
  const everyCall = options.everyCall === true
  // Published in ClientRequest's constructor, in the caller's context, before any header is sent.
  subscribe('http.client.request.created', (message) => {
    const { request } = message as { request: TrackedRequest }
    if (isExport() || !(everyCall || isUnsampledCall())) return
    propagation.inject(context.active(), request, setHeader)
    request[STARTED] = performance.now()
  })
  // As the instrumentation does, the call lasts until the whole answer was read.
  subscribe('http.client.response.finish', (message) => {
    const { request, response } = message as { request: TrackedRequest; response: IncomingMessage }
    if (request[STARTED] === undefined) return
    response.once('end', () => record(duration, request, { response }))
  })
  subscribe('http.client.request.error', (message) => {
    const { request, error } = message as { request: TrackedRequest; error: Error }
    record(duration, request, { error })
  })
}
