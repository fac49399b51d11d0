import { context } from '@opentelemetry/api'
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { WinstonInstrumentation } from '@opentelemetry/instrumentation-winston'
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node'
import { logsExporterIsNone } from './ablation'
import { SUPPRESS_TRACING } from './fastify-server'
import { isUnsampledCall } from './unsampled-calls'
import { redactUrlAttributes } from './url-redaction'

/** The SDK's own OTLP exports run with tracing suppressed; they are not the shop's traffic. */
export const isTelemetryExport = () => context.active().getValue(SUPPRESS_TRACING) === true

/**
 * The names OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS use. `knex`
 * is the bootstrap's own database recorder (./database-spans), not an OTel instrumentation: the
 * name its predecessor had, so that existing settings keep switching the SQL spans off.
 * `fastify` is likewise the bootstrap's own server hooks (./fastify-server): the server span and
 * metric.
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

/** As NodeSDK takes them (@opentelemetry/instrumentation is no direct dependency of ours). */
type Instrumentations = NonNullable<NodeSDKConfiguration['instrumentations']>

/**
 * Every instrumentation the shop needs, and only those. The server span and
 * `http.server.request.duration` come from the bootstrap's Fastify hooks (./fastify-server), not
 * from an instrumentation here; http traces the calls the service makes (server side off).
 */
export function shopInstrumentations(
  selected: readonly InstrumentationName[] = selectedInstrumentations(process.env),
): Instrumentations {
  const all: Record<Exclude<InstrumentationName, 'knex' | 'fastify'>, () => unknown> = {
    http: () =>
      new HttpInstrumentation({
        disableIncomingRequestInstrumentation: true,
        // Without the first, every export would be measured as http.client.request.duration;
        // calls under an unsampled trace take the fast path of ./unsampled-calls.
        ignoreOutgoingRequestHook: () => isTelemetryExport() || isUnsampledCall(),
        requestHook: redactUrlAttributes,
      }),
    undici: () => new UndiciInstrumentation({ requestHook: redactUrlAttributes }),
    // The instrumentation adds trace_id/span_id and its own OTLP transport: the one log path.
    // With OTEL_LOGS_EXPORTER=none there is no log SDK: the transport would format every record
    // for a no-op logger, so it is left out (the trace ids on stdout stay).
    winston: () =>
      new WinstonInstrumentation({ disableLogSending: logsExporterIsNone(process.env) }),
    'runtime-node': () => new RuntimeNodeInstrumentation(),
  }
  // The SQL and server spans come from ./database-spans and ./fastify-server, which
  // startTelemetry starts itself.
  return selected.flatMap((name) =>
    name === 'knex' || name === 'fastify' ? [] : [all[name]()],
  ) as Instrumentations
}
