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
  return registry
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

/** Labels linking a sample to the trace it happened in, when one is being recorded. */
export function exemplarLabels(): Record<string, string> {
  const ctx = trace.getActiveSpan()?.spanContext()
  return ctx && ctx.traceFlags & 1 ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {}
}

export { client }
