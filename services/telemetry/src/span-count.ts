import { writeFileSync } from 'node:fs'
import { trace } from '@opentelemetry/api'
import { bootstrapLog } from './log'

/** Opt-in: the file the number of ended (recorded) spans is written to when the process exits. */
export const SPAN_COUNT_FILE_ENV = 'SHOPSCOPE_SPAN_COUNT_FILE'

interface ProcessorList {
  _activeSpanProcessor?: { _spanProcessors?: unknown[] }
}

/**
 * For the benchmark's span accounting (created vs accepted by the collector vs exported): a
 * span processor that only counts. NodeSDK builds its exporting processors from the environment
 * and offers no way to add one beside them, so the counter joins the provider's processor list;
 * if a future SDK moves that list, the bootstrap says so and the service runs uncounted.
 */
export function countEndedSpans(file = process.env[SPAN_COUNT_FILE_ENV]): void {
  if (!file) return
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown }
  const processors = (provider.getDelegate?.() as ProcessorList | undefined)?._activeSpanProcessor
    ?._spanProcessors
  if (!Array.isArray(processors)) {
    bootstrapLog('warn', 'span counting unavailable: unknown tracer provider layout', { file })
    return
  }
  let ended = 0
  processors.push({
    onStart: () => undefined,
    onEnd: () => void ended++,
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  })
  // Synchronous, so it also runs when the service ends with process.exit().
  process.once('exit', () => writeFileSync(file, `${JSON.stringify({ ended })}\n`))
}
