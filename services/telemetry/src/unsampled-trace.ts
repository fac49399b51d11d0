import { trace, TraceFlags, type Context } from '@opentelemetry/api'

/**
 * Whether `ctx` carries a valid trace that is not sampled (no trace: false): what the client
 * calls (./client-calls) and the log export policy (./log-export-policy) leave out.
 */
export function isUnsampledTrace(ctx: Context): boolean {
  const spanContext = trace.getSpanContext(ctx)
  if (spanContext === undefined) return false
  return (
    (spanContext.traceFlags & TraceFlags.SAMPLED) === 0 && trace.isSpanContextValid(spanContext)
  )
}
