import { context as contextApi, logs, SeverityNumber, type Context } from '@opentelemetry/api'
import { bootstrapLog } from './log'
import { isUnsampledTrace } from './unsampled-trace'

/**
 * Which log records leave the process over OTLP. Every record is still written to stdout; at the
 * production sampler, building and encoding an OTLP record for every request's access line was
 * one of the largest per-request costs left (profiled, README "Benchmark"). `sampled` (the default) follows the trace:
 * a record below WARN written under a trace that is not sampled stays on stdout; warnings and
 * errors, records of sampled traces and records outside any trace are exported. At 100 %
 * sampling nothing changes. `all` exports every record.
 */
export const LOG_EXPORT_ENV = 'SHOPSCOPE_LOG_EXPORT'
export type LogExport = 'sampled' | 'all'

export function logExportFrom(env: NodeJS.ProcessEnv): LogExport {
  const value = env[LOG_EXPORT_ENV]?.trim() || 'sampled'
  if (value === 'sampled' || value === 'all') return value
  bootstrapLog('warn', `unknown ${LOG_EXPORT_ENV}, exporting every log record`, { value })
  return 'all'
}

/** What the SDK passes to LogRecordProcessor.enabled before it builds a record. */
export interface LogRecordOptions {
  context?: Context
  severityNumber?: number
}

/** The `sampled` policy for one record. */
export function exportsUnderSampling({ context, severityNumber }: LogRecordOptions): boolean {
  if (severityNumber !== undefined && severityNumber >= SeverityNumber.WARN) return true
  return !isUnsampledTrace(context ?? contextApi.active())
}

interface Processor {
  enabled?: (options: LogRecordOptions) => boolean
}
interface LoggerProviderLayout {
  _sharedState?: { processors?: Processor[] }
}

/**
 * Applies the policy to the exporting processors NodeSDK built from OTEL_LOGS_EXPORTER. The SDK
 * asks them whether a record is wanted (`enabled`) before building it, so a record left out costs
 * neither the record nor its encoding. NodeSDK takes no processor wrapper next to its
 * environment-built ones, hence its provider's list; if a future SDK moves it, the bootstrap says
 * so and exports every record.
 */
export function applyLogExportPolicy(policy: LogExport = logExportFrom(process.env)): void {
  if (policy === 'all') return
  const provider = logs.getLoggerProvider() as LoggerProviderLayout
  const processors = provider._sharedState?.processors
  if (!Array.isArray(processors)) {
    bootstrapLog('warn', 'log export policy unavailable: unknown logger provider layout', {
      policy,
    })
    return
  }
  for (const processor of processors) {
    const own = processor.enabled?.bind(processor)
    processor.enabled = (options) => exportsUnderSampling(options) && (own?.(options) ?? true)
  }
}
