import client, { Registry } from 'prom-client'
import { trace } from '@opentelemetry/api'

/**
 * One registry per service process. Served in OpenMetrics format so exemplars (trace ids)
 * reach Prometheus. The `service_name` label is added by the scrape config, not here.
 */
export function createRegistry(
  env: NodeJS.ProcessEnv = process.env,
): Registry<typeof client.openMetricsContentType> {
  const registry = new Registry<typeof client.openMetricsContentType>()
  registry.setContentType(client.openMetricsContentType)
  if (!ablatesDefaultMetrics(env)) {
    client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 })
  }
  registerTelemetryHealth(registry)
  return registry
}

/** Published by the telemetry bootstrap (services/telemetry/src/dropped-telemetry.ts). */
const TELEMETRY_HEALTH = Symbol.for('shopscope.telemetry.exportHealth')
interface TelemetryHealth {
  dropped: Record<string, Record<string, number>>
  breakerState: Record<string, number>
}
const telemetryHealth = () =>
  (globalThis as { [TELEMETRY_HEALTH]?: TelemetryHealth })[TELEMETRY_HEALTH]

/**
 * What the telemetry bootstrap dropped instead of exporting, served here rather than sent over
 * OTLP: when the collector is down, this is how Prometheus still learns what is lost. Read at
 * scrape time; without the bootstrap (telemetry off, the stock image) the families stay empty.
 */
function registerTelemetryHealth(registry: Registry<typeof client.openMetricsContentType>): void {
  const seen = new Map<string, number>()
  new client.Counter({
    name: 'shopscope_telemetry_dropped_total',
    help: 'Spans, log records and metric points the telemetry bootstrap dropped instead of exporting, by signal and reason (queue_full, export_failed, breaker_open)',
    labelNames: ['signal', 'reason'],
    registers: [registry],
    collect() {
      for (const [signal, reasons] of Object.entries(telemetryHealth()?.dropped ?? {})) {
        for (const [reason, total] of Object.entries(reasons)) {
          const key = `${signal}/${reason}`
          this.inc({ signal, reason }, total - (seen.get(key) ?? 0))
          seen.set(key, total)
        }
      }
    },
  })
  new client.Gauge({
    name: 'shopscope_telemetry_export_breaker_state',
    help: "State of the telemetry bootstrap's export breaker per signal: 0 closed (exporting), 1 half-open (probing), 2 open (dropping)",
    labelNames: ['signal'],
    registers: [registry],
    collect() {
      for (const [signal, state] of Object.entries(telemetryHealth()?.breakerState ?? {})) {
        this.set({ signal }, state)
      }
    },
  })
}

/**
 * SHOPSCOPE_ABLATE=prom-default-metrics, for the benchmark's ablation only (tests/bench,
 * services/telemetry/src/ablation.ts): no default metrics, to measure what they cost a request.
 * Unset, as in production, they are collected.
 */
function ablatesDefaultMetrics(env: NodeJS.ProcessEnv): boolean {
  return (env.SHOPSCOPE_ABLATE ?? '')
    .split(',')
    .map((n) => n.trim())
    .includes('prom-default-metrics')
}

/**
 * Labels linking a sample to the trace it happened in, when one is being recorded. Outside a
 * sampled trace: none, as prom-client then keeps the last exemplar instead of an empty one.
 */
export function exemplarLabels(): Record<string, string> | undefined {
  const ctx = trace.getActiveSpan()?.spanContext()
  return ctx && ctx.traceFlags & 1 ? { trace_id: ctx.traceId, span_id: ctx.spanId } : undefined
}

export { client }
