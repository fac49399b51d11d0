import type { IncomingMessage } from 'node:http'
import { context } from '@opentelemetry/api'
import type { Instrumentation } from '@opentelemetry/instrumentation'
import { FastifyOtelInstrumentation } from '@fastify/otel'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2'
import { WinstonInstrumentation } from '@opentelemetry/instrumentation-winston'
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node'

/** Probes and scrapes: neither traced nor measured (same list as the kit's OPERATIONAL_PATHS). */
export const UNTRACED_PATHS = ['/healthz', '/readyz', '/metrics']

const pathOf = (url: string | undefined) => (url ?? '').split('?')[0] ?? ''

/** The key @opentelemetry/core's suppressTracing() sets (context keys are Symbol.for). */
const SUPPRESS_TRACING = Symbol.for('OpenTelemetry SDK Context Key SUPPRESS_TRACING')

/** The SDK's own OTLP exports run with tracing suppressed; they are not the shop's traffic. */
const isTelemetryExport = () => context.active().getValue(SUPPRESS_TRACING) === true

export function isUntraced(request: Pick<IncomingMessage, 'url'>): boolean {
  return UNTRACED_PATHS.includes(pathOf(request.url))
}

/**
 * Every instrumentation the shop needs, and only those. HTTP server metrics come from the http
 * instrumentation alone (@fastify/otel records no metrics), so `http.server.request.duration`
 * exists once; @fastify/otel supplies the route it is labelled with.
 */
export function shopInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: isUntraced,
      // Without this, every export would be measured as http.client.request.duration.
      ignoreOutgoingRequestHook: isTelemetryExport,
    }),
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      // A span per lifecycle hook (cookie parsing, helmet, the log line...) and one for the
      // handler were most of a request's spans and a large share of its CPU (tests/bench): the
      // request span covers their time, and business spans (checkout) become its children.
      instrumentHooks: false,
      instrumentHandler: false,
      ignorePaths: (route) => UNTRACED_PATHS.includes(route.url),
      recordExceptions: true,
    }),
    new UndiciInstrumentation(),
    // One span per statement, from the driver: a knex span around each would only double them
    // (and their cost, tests/bench). Values never reach span attributes: statements are masked.
    new MySQL2Instrumentation({ maskStatement: true }),
    // The instrumentation adds trace_id/span_id and its own OTLP transport: the one log path.
    new WinstonInstrumentation(),
    new RuntimeNodeInstrumentation(),
  ] as Instrumentation[]
}
