import type { FastifyInstance } from 'fastify'
import { promClient } from '@shopscope/kit'

export type SpanExportOutcome =
  'forwarded' | 'dropped' | 'rate_limited' | 'unsupported_media_type' | 'invalid' | 'too_large'

/** The frontend's business metrics, whose names alerts/ and dashboards/src query. */
export function createMetrics(registry: FastifyInstance['metrics']) {
  const spanExports = new promClient.Counter({
    name: 'shopscope_browser_span_exports_total',
    help: 'Browser span exports received at /otlp/v1/traces, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  })
  const spansDropped = new promClient.Counter({
    name: 'shopscope_browser_spans_dropped_total',
    help: 'Valid browser spans the Collector did not take (down, slow or refusing)',
    registers: [registry],
  })
  return {
    spanExport(outcome: SpanExportOutcome): void {
      spanExports.inc({ outcome })
    },
    spansDropped(count: number): void {
      spansDropped.inc(count)
    },
  }
}
export type Metrics = ReturnType<typeof createMetrics>
