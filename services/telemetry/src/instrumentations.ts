import { context } from '@opentelemetry/api'
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { WinstonInstrumentation } from '@opentelemetry/instrumentation-winston'
import { logsExporterIsNone } from './ablation'
import { SUPPRESS_TRACING } from './fastify-server'
import { redactUrlAttributes } from './url-redaction'

/** The SDK's own OTLP exports run with tracing suppressed; they are not the shop's traffic. */
export const isTelemetryExport = () => context.active().getValue(SUPPRESS_TRACING) === true

/**
 * The names OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS use. `knex`
 * is the bootstrap's own database recorder (./database-spans), not an OTel instrumentation: the
 * name its predecessor had, so that existing settings keep switching the SQL spans off.
 * `fastify` is likewise the bootstrap's own server hooks (./fastify-server): the server span and
 * metric; `http` its own recorder of outgoing calls (./client-calls): client spans, `traceparent`
 * and the client metric.
 */
export const INSTRUMENTATION_NAMES = ['http', 'fastify', 'undici', 'knex', 'winston'] as const
export type InstrumentationName = (typeof INSTRUMENTATION_NAMES)[number]

/** The names startTelemetry serves with recorders of its own, not with an instrumentation. */
const OWN_RECORDERS = ['http', 'fastify', 'knex'] as const
type OwnRecorder = (typeof OWN_RECORDERS)[number]
const isOwnRecorder = (name: InstrumentationName): name is OwnRecorder =>
  (OWN_RECORDERS as readonly string[]).includes(name)

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

/** As NodeSDK takes them (@opentelemetry/instrumentation is no direct dependency of ours). */
type Instrumentations = NonNullable<NodeSDKConfiguration['instrumentations']>

/**
 * Every instrumentation the shop needs, and only those. The server span and
 * `http.server.request.duration` come from the bootstrap's Fastify hooks (./fastify-server), the
 * SQL spans from ./database-spans and outgoing node:http calls from ./client-calls, not from an
 * instrumentation here.
 */
export function shopInstrumentations(
  selected: readonly InstrumentationName[] = selectedInstrumentations(process.env),
): Instrumentations {
  const all: Record<Exclude<InstrumentationName, OwnRecorder>, () => unknown> = {
    // fetch, in the frontend's relay of browser spans only, which runs with tracing suppressed:
    // measured, no span. A recording check (ignoreRequestHook) would also drop traceparent and
    // the metric, so undici keeps its instrumentation, already built on diagnostics channels.
    undici: () => new UndiciInstrumentation({ requestHook: redactUrlAttributes }),
    // The instrumentation adds trace_id/span_id and its own OTLP transport: the one log path.
    // With OTEL_LOGS_EXPORTER=none there is no log SDK: the transport would format every record
    // for a no-op logger, so it is left out (the trace ids on stdout stay).
    winston: () =>
      new WinstonInstrumentation({ disableLogSending: logsExporterIsNone(process.env) }),
  }
  return selected.flatMap((name) => (isOwnRecorder(name) ? [] : [all[name]()])) as Instrumentations
}
