import { context } from '@opentelemetry/api'
import type { Instrumentation } from '@opentelemetry/instrumentation'
import { FastifyOtelInstrumentation } from '@fastify/otel'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { WinstonInstrumentation } from '@opentelemetry/instrumentation-winston'
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node'
import { logsExporterIsNone } from './ablation'
import { describeServerSpan, SUPPRESS_TRACING } from './fastify-server'
import { isUnsampledCall } from './unsampled-calls'
import { redactUrlAttributes } from './url-redaction'

/** Probes and scrapes: neither traced nor measured (same list as the kit's OPERATIONAL_PATHS). */
export const UNTRACED_PATHS = ['/healthz', '/readyz', '/metrics']

/**
 * The frontend's relay of the browser's spans (frontend/src/routes/otlp.ts): measured, not
 * traced, or every export of a trace would make a trace of its own.
 */
const RELAY_PATHS = ['/otlp/v1/traces']

/** Runs several times per request: no array from split(). */
const pathOf = (url = '') => {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

/** The SDK's own OTLP exports run with tracing suppressed; they are not the shop's traffic. */
export const isTelemetryExport = () => context.active().getValue(SUPPRESS_TRACING) === true

/**
 * The names OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS use. `knex`
 * is the bootstrap's own database recorder (./database-spans), not an OTel instrumentation: the
 * name its predecessor had, so that existing settings keep switching the SQL spans off.
 */
export const INSTRUMENTATION_NAMES = [
  'http',
  'fastify',
  'undici',
  'knex',
  'winston',
  'runtime-node',
] as const
export type InstrumentationName = (typeof INSTRUMENTATION_NAMES)[number]

const listed = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)

/**
 * The standard switches of the OpenTelemetry Node auto-instrumentation: an enabled list
 * (default: all) minus a disabled list. E.g. OTEL_NODE_DISABLED_INSTRUMENTATIONS=knex: no SQL
 * span at all.
 */
export function selectedInstrumentations(env: NodeJS.ProcessEnv): InstrumentationName[] {
  const enabled = listed(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS)
  const disabled = listed(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS)
  return INSTRUMENTATION_NAMES.filter(
    (name) => (enabled.length === 0 || enabled.includes(name)) && !disabled.includes(name),
  )
}

/**
 * Every instrumentation the shop needs, and only those. A request gets one server span, from
 * @fastify/otel, with the conventions' name and attributes; http traces the calls the service
 * makes (server side off: see ./fastify-server). `http.server.request.duration` comes from
 * measureFastifyServers alone, so it exists once.
 */
export function shopInstrumentations(
  selected: readonly InstrumentationName[] = selectedInstrumentations(process.env),
): Instrumentation[] {
  const all: Record<Exclude<InstrumentationName, 'knex'>, () => unknown> = {
    http: () =>
      new HttpInstrumentation({
        disableIncomingRequestInstrumentation: true,
        // Without the first, every export would be measured as http.client.request.duration;
        // calls under an unsampled trace take the fast path of ./unsampled-calls.
        ignoreOutgoingRequestHook: () => isTelemetryExport() || isUnsampledCall(),
        requestHook: redactUrlAttributes,
      }),
    fastify: () =>
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // A span per lifecycle hook (cookie parsing, helmet, the log line...) and one for the
        // handler were most of a request's spans and a large share of its CPU (tests/bench): the
        // request span covers their time, and business spans (checkout) become its children.
        instrumentHooks: false,
        instrumentHandler: false,
        ignorePaths: (route) => {
          const path = pathOf(route.url)
          return UNTRACED_PATHS.includes(path) || RELAY_PATHS.includes(path)
        },
        requestHook: describeServerSpan,
        // Fastify runs onError hooks, where this would record, before the error handler that
        // scrubs the error (kit/src/problem.ts); that handler records the scrubbed one and sets
        // a safe status message in place of the raw one this still sets.
        recordExceptions: false,
      }),
    undici: () => new UndiciInstrumentation({ requestHook: redactUrlAttributes }),
    // The instrumentation adds trace_id/span_id and its own OTLP transport: the one log path.
    // With OTEL_LOGS_EXPORTER=none there is no log SDK: the transport would format every record
    // for a no-op logger, so it is left out (the trace ids on stdout stay).
    winston: () =>
      new WinstonInstrumentation({ disableLogSending: logsExporterIsNone(process.env) }),
    'runtime-node': () => new RuntimeNodeInstrumentation(),
  }
  // The SQL spans come from ./database-spans, which startTelemetry starts itself.
  return selected.flatMap((name) => (name === 'knex' ? [] : [all[name]()])) as Instrumentation[]
}
