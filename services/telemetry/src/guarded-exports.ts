import { logs, metrics, trace, TraceFlags } from '@opentelemetry/api'
import { countDropped, SIGNALS, type Signal } from './dropped-telemetry'
import { ExportBreaker, guardExporter, type Exporter } from './export-breaker'
import { bootstrapLog } from './log'

/**
 * The batching processors and the metric reader NodeSDK built from OTEL_*: their exporter, and
 * the queue they drop from when it is full. NodeSDK takes no wrapper around the processors it
 * builds from the environment, hence these fields of the pinned SDK (as ./span-processors and
 * ./log-export-policy do); a layout that moved is reported and left unguarded.
 */
interface BatchingProcessor<Item> {
  _exporter?: Exporter<Item[]>
  _maxQueueSize?: number
  onEnd?: (span: Item) => void
  onEmit?: (record: Item, context?: unknown) => void
  enabled?: (options: unknown) => boolean
  _finishedSpans?: unknown[]
  _finishedLogRecords?: unknown[]
}
interface SampledSpan {
  spanContext(): { traceFlags: number }
}
interface ResourceMetrics {
  scopeMetrics: { metrics: { dataPoints: unknown[] }[] }[]
}

const spanProcessors = (): BatchingProcessor<SampledSpan>[] | undefined => {
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown }
  const delegate = provider.getDelegate?.() as
    { _activeSpanProcessor?: { _spanProcessors?: BatchingProcessor<SampledSpan>[] } } | undefined
  return delegate?._activeSpanProcessor?._spanProcessors
}

const logProcessors = (): BatchingProcessor<unknown>[] | undefined =>
  (logs.getLoggerProvider() as { _sharedState?: { processors?: BatchingProcessor<unknown>[] } })
    ._sharedState?.processors

const metricReaders = (): { _exporter?: Exporter<ResourceMetrics> }[] | undefined =>
  (
    metrics.getMeterProvider() as {
      _sharedState?: {
        metricCollectors?: { _metricReader?: { _exporter?: Exporter<ResourceMetrics> } }[]
      }
    }
  )._sharedState?.metricCollectors?.map((collector) => collector._metricReader ?? {})

const isSampled = (span: SampledSpan) => (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0
const countPoints = (batch: ResourceMetrics) =>
  batch.scopeMetrics.reduce(
    (sum, scope) => sum + scope.metrics.reduce((n, metric) => n + metric.dataPoints.length, 0),
    0,
  )

function guardSpans(processor: BatchingProcessor<SampledSpan>, breaker: ExportBreaker): void {
  const { _exporter: exporter, onEnd } = processor
  if (!exporter || !onEnd) return
  guardExporter(exporter, breaker, (spans) => spans.length)
  const queue = () => processor._finishedSpans?.length ?? 0
  const capacity = processor._maxQueueSize ?? Infinity
  const enqueue = onEnd.bind(processor)
  // An open breaker drops a span before it is queued: nothing kept alive, nothing encoded.
  processor.onEnd = (span) => {
    if (!breaker.admits) {
      if (isSampled(span)) countDropped('spans', 'breaker_open', 1)
      return
    }
    if (queue() >= capacity && isSampled(span)) countDropped('spans', 'queue_full', 1)
    enqueue(span)
  }
}

function guardLogs(processor: BatchingProcessor<unknown>, breaker: ExportBreaker): void {
  const { _exporter: exporter, onEmit } = processor
  if (!exporter || !onEmit) return
  guardExporter(exporter, breaker, (records) => records.length)
  const wanted = processor.enabled?.bind(processor)
  // The SDK asks this before it builds a record (and so does the winston transport, see
  // ./log-transport-filter): an open breaker costs a record nothing but this count.
  processor.enabled = (options) => {
    if (wanted && !wanted(options)) return false
    if (breaker.admits) return true
    countDropped('log_records', 'breaker_open', 1)
    return false
  }
  const queue = () => processor._finishedLogRecords?.length ?? 0
  const capacity = processor._maxQueueSize ?? Infinity
  const enqueue = onEmit.bind(processor)
  processor.onEmit = (record, context) => {
    if (queue() >= capacity) countDropped('log_records', 'queue_full', 1)
    enqueue(record, context)
  }
}

const SIGNAL_ENDPOINTS: Record<Signal, string> = {
  spans: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  log_records: 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
  metric_points: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
}

/** The collector (scheme, host and port) a signal's exporter sends to, as OTEL_* configure it. */
function collectorOf(signal: Signal, env: NodeJS.ProcessEnv): string {
  const endpoint =
    env[SIGNAL_ENDPOINTS[signal]] ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318'
  try {
    return new URL(endpoint).origin
  } catch {
    return endpoint
  }
}

/** The signals grouped by the collector they go to: one group where one endpoint serves all. */
export function collectorGroups(env: NodeJS.ProcessEnv): Signal[][] {
  const groups = new Map<string, Signal[]>()
  for (const signal of SIGNALS) {
    const collector = collectorOf(signal, env)
    groups.set(collector, [...(groups.get(collector) ?? []), signal])
  }
  return [...groups.values()]
}

/**
 * Puts a breaker (./export-breaker) in front of every exporter NodeSDK built and counts what the
 * processors drop from a full queue. Call after sdk.start() and after the log export policy, so
 * that a log record the policy leaves out is not counted as dropped.
 */
export function guardExports(): void {
  const spans = spanProcessors()
  const records = logProcessors()
  const readers = metricReaders()
  const breakers = {
    spans: new ExportBreaker('spans'),
    log_records: new ExportBreaker('log_records'),
    metric_points: new ExportBreaker('metric_points'),
  }
  for (const group of collectorGroups(process.env)) {
    const peers = group.map((signal) => breakers[signal])
    for (const breaker of peers) breaker.sharesCollectorWith(peers)
  }
  for (const processor of spans ?? []) guardSpans(processor, breakers.spans)
  for (const processor of records ?? []) guardLogs(processor, breakers.log_records)
  for (const reader of readers ?? []) {
    if (reader._exporter) guardExporter(reader._exporter, breakers.metric_points, countPoints)
  }
  const unknown = [
    ...(spans === undefined && process.env.OTEL_TRACES_EXPORTER !== 'none' ? ['traces'] : []),
    ...(records === undefined && !/none/.test(process.env.OTEL_LOGS_EXPORTER ?? '')
      ? ['logs']
      : []),
    ...(readers === undefined && !/none/.test(process.env.OTEL_METRICS_EXPORTER ?? '')
      ? ['metrics']
      : []),
  ]
  if (unknown.length > 0) {
    bootstrapLog('warn', 'export breaker unavailable: unknown SDK layout', { signals: unknown })
  }
}
