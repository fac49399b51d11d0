import { writeFileSync } from 'node:fs'
import { bootstrapLog } from './log'
import { addSpanProcessor } from './span-processors'

/** Opt-in: the file the number of ended (recorded) spans is written to when the process exits. */
export const SPAN_COUNT_FILE_ENV = 'SHOPSCOPE_SPAN_COUNT_FILE'

/**
 * For the benchmark's span accounting (created vs accepted by the collector vs exported): a
 * span processor that only counts (added as ./span-processors says); if a future SDK moves the
 * provider's processor list, the bootstrap says so and the service runs uncounted.
 */
export function countEndedSpans(file = process.env[SPAN_COUNT_FILE_ENV]): void {
  if (!file) return
  let ended = 0
  const added = addSpanProcessor({
    onStart: () => undefined,
    onEnd: () => void ended++,
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  })
  if (!added) {
    bootstrapLog('warn', 'span counting unavailable: unknown tracer provider layout', { file })
    return
  }
  // Synchronous, so it also runs when the service ends with process.exit().
  process.once('exit', () => writeFileSync(file, `${JSON.stringify({ ended })}\n`))
}
