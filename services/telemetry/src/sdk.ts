import { logs, metrics, trace } from '@opentelemetry/api'
import { NodeSDK } from '@opentelemetry/sdk-node'
import { ablatedPieces, ABLATE_ENV, logsExporterIsNone, NO_CONTEXT_MANAGER } from './ablation'
import { installQuietDiagLogger } from './diag'
import { instrumentFastifyServers } from './fastify-server'
import {
  isTelemetryExport,
  selectedInstrumentations,
  shopInstrumentations,
} from './instrumentations'
import { bridgeLegacyLogsApi } from './logs-bridge'
import { traceClientCalls } from './client-calls'
import { applyLogExportPolicy, logExportFrom } from './log-export-policy'
import { bootstrapLog } from './log'
import { guardExports } from './guarded-exports'
import { filterLogsBeforeTheTransport } from './log-transport-filter'
import { flushOnSigterm } from './shutdown'
import { countEndedSpans } from './span-count'
import { redactDatabaseSpanErrors } from './database-span-errors'
import { recordDatabaseStatements } from './database-spans'
import { samplerFrom, TRUST_TRACEPARENT_ENV } from './untrusted-parent-sampler'

type Flushable = { forceFlush?: () => Promise<void> }

async function forceFlushAll(): Promise<void> {
  const tracerProvider = trace.getTracerProvider() as { getDelegate?: () => unknown }
  const providers = [
    tracerProvider.getDelegate?.(),
    metrics.getMeterProvider(),
    logs.getLoggerProvider(),
  ]
  await Promise.all(providers.map((p) => (p as Flushable | undefined)?.forceFlush?.()))
}

/**
 * NodeSDK from the standard OTEL_* environment (exporters, protocol, endpoint, sampler,
 * propagators, resource, batch limits), plus SHOPSCOPE_TRUST_TRACEPARENT=false for a service
 * that faces the internet (./untrusted-parent-sampler): the operator and a plain
 * `node --require` configure it the same way.
 */
export function startTelemetry(bootstrap: string): void {
  // OTEL_LOG_LEVEL asks for the SDK's own verbose console logger, for debugging.
  if (!process.env.OTEL_LOG_LEVEL) installQuietDiagLogger()
  const selected = selectedInstrumentations(process.env)
  // Unset in production: the benchmark's ablation leaves pieces out (./ablation).
  const ablated = ablatedPieces(process.env)
  const instrumented = selected.filter(
    (name) => !(ablated.has('http-client-spans') && name === 'undici'),
  )
  const sampler = samplerFrom(process.env)
  const sdk = new NodeSDK({
    instrumentations: shopInstrumentations(instrumented),
    ...(sampler ? { sampler } : {}),
    ...(ablated.has('context-manager') ? { contextManager: NO_CONTEXT_MANAGER } : {}),
  })
  sdk.start()
  redactDatabaseSpanErrors()
  if (selected.includes('knex')) recordDatabaseStatements()
  if (selected.includes('fastify')) {
    instrumentFastifyServers({ serverSpans: !ablated.has('server-spans') })
  }
  if (selected.includes('http')) {
    traceClientCalls(isTelemetryExport, { spans: !ablated.has('http-client-spans') })
  }
  countEndedSpans()
  // OTEL_LOGS_EXPORTER=none: no logger provider to bridge to or to apply a policy on.
  const logsOff = logsExporterIsNone(process.env)
  if (!logsOff) bridgeLegacyLogsApi()
  const logExport = logExportFrom(process.env)
  if (!logsOff) applyLogExportPolicy(logExport)
  if (!logsOff) filterLogsBeforeTheTransport()
  // After the policy: a record it leaves out is not one the breaker dropped.
  if (process.env.OTEL_SDK_DISABLED !== 'true') guardExports()
  flushOnSigterm(sdk, forceFlushAll)
  bootstrapLog('info', 'telemetry started', {
    bootstrap,
    disabled: process.env.OTEL_SDK_DISABLED === 'true',
    endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318',
    traces_exporter: process.env.OTEL_TRACES_EXPORTER ?? 'otlp',
    metrics_exporter: process.env.OTEL_METRICS_EXPORTER ?? 'otlp',
    logs_exporter: process.env.OTEL_LOGS_EXPORTER ?? 'otlp',
    sampler: sampler?.toString() ?? process.env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on',
    trust_traceparent: process.env[TRUST_TRACEPARENT_ENV] ?? 'true',
    log_export: logExport,
    ...(ablated.size > 0 ? { ablated: [...ablated], ablate_env: ABLATE_ENV } : {}),
  })
}
