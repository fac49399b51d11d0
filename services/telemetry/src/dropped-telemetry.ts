/**
 * What the bootstrap dropped instead of exporting, and the state of each signal's export breaker
 * (./export-breaker), for the service's own /metrics: the kit's prom-client registry reads them
 * through a process-wide symbol (services/kit/src/metrics.ts). Not OTel metrics on purpose: those
 * leave through the very collector whose outage they have to show, so they would arrive, if at
 * all, after it; Prometheus scrapes the service directly. The bootstrap needs no prom-client of
 * its own (the operator's image has its own node_modules, whose prom-client would not be the
 * service's), only plain numbers behind a symbol both sides know.
 */
export const TELEMETRY_HEALTH = Symbol.for('shopscope.telemetry.exportHealth')

/** Named as the Collector names its items (otelcol_*_spans, _log_records, _metric_points). */
export const SIGNALS = ['spans', 'log_records', 'metric_points'] as const
export type Signal = (typeof SIGNALS)[number]

export const DROP_REASONS = ['queue_full', 'export_failed', 'breaker_open'] as const
export type DropReason = (typeof DROP_REASONS)[number]

/** As `shopscope_upstream_circuit_state`: 0 closed, 1 half-open, 2 open. */
export type BreakerState = 0 | 1 | 2

export interface TelemetryHealth {
  /** Items dropped so far, by signal and reason (cumulative, every pair present). */
  dropped: Record<Signal, Record<DropReason, number>>
  breakerState: Record<Signal, BreakerState>
}

type HealthGlobal = typeof globalThis & { [TELEMETRY_HEALTH]?: TelemetryHealth }

const zeroes = (): Record<DropReason, number> => ({
  queue_full: 0,
  export_failed: 0,
  breaker_open: 0,
})

/** The process's one record of drops; created by the first caller. */
export function telemetryHealth(): TelemetryHealth {
  const global = globalThis as HealthGlobal
  global[TELEMETRY_HEALTH] ??= {
    dropped: { spans: zeroes(), log_records: zeroes(), metric_points: zeroes() },
    breakerState: { spans: 0, log_records: 0, metric_points: 0 },
  }
  return global[TELEMETRY_HEALTH]
}

export function countDropped(signal: Signal, reason: DropReason, items: number): void {
  telemetryHealth().dropped[signal][reason] += items
}
