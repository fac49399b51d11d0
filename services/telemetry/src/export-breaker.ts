import { bootstrapLog } from './log'
import { countDropped, telemetryHealth, type BreakerState, type Signal } from './dropped-telemetry'

/** Consecutive failed exports that open the breaker. */
export const FAILURES_TO_OPEN = 3
/** The first window without exports; each failed probe doubles it, up to the last. */
export const FIRST_WINDOW_MS = 2_000
export const MAX_WINDOW_MS = 60_000
/** Transitions are logged at most this often per signal: a flapping collector floods no log. */
const LOG_INTERVAL_MS = 60_000

const CLOSED: BreakerState = 0
const HALF_OPEN: BreakerState = 1
const OPEN: BreakerState = 2

/**
 * A circuit breaker in front of one signal's exporter. Without it, a dead collector costs more
 * than a live one: every batch is still serialized, sent, retried up to five times with backoff
 * (the OTLP exporters' RetryingTransport), each retry a new connection, while the queue behind it
 * stays full of records kept alive for nothing. After FAILURES_TO_OPEN failed exports in a row
 * the breaker opens: records are dropped (and counted) before they are queued, built or encoded,
 * and no export is attempted, for a window that doubles with every failed probe. When a window
 * ends, records are let through again and the next export is the probe: success closes the
 * breaker, failure opens it for the next window. While the probe is in flight nothing more is
 * let through: against a dead collector the exporter retries for up to its 10 s timeout, and
 * records admitted all that time were built for an export that was already failing.
 */
export class ExportBreaker {
  private state: BreakerState = CLOSED
  private failures = 0
  private windowMs = FIRST_WINDOW_MS
  private probing = false
  private lastLogged = -Infinity
  /** The breakers of the signals exported to the same collector (./guarded-exports). */
  private peers: ExportBreaker[] = []

  constructor(
    readonly signal: Signal,
    private readonly now: () => number = Date.now,
  ) {}

  /** False while open: the caller drops the record before doing any work for it. */
  get admits(): boolean {
    return this.state === CLOSED || (this.state === HALF_OPEN && !this.probing)
  }

  get currentState(): BreakerState {
    return this.state
  }

  /**
   * Breakers whose exports go to the same collector: when one opens, the closed ones open too.
   * A collector that refuses spans refuses the metrics and logs as well, and the signal with the
   * most traffic finds out first: without this, a signal that exports every 10 s (metrics) or
   * rarely (logs of an unsampled shop) kept paying for a dead collector for minutes.
   */
  sharesCollectorWith(peers: readonly ExportBreaker[]): void {
    this.peers = peers.filter((peer) => peer !== this)
  }

  /** An export starts; in a half-open breaker it is the probe. */
  sending(): void {
    if (this.state === HALF_OPEN) this.probing = true
  }

  exported(): void {
    this.probing = false
    if (this.state !== CLOSED) this.log('info', 'telemetry export resumed', {})
    this.failures = 0
    this.windowMs = FIRST_WINDOW_MS
    this.set(CLOSED)
  }

  failed(): void {
    this.probing = false
    this.failures++
    if (this.state === HALF_OPEN) {
      this.windowMs = Math.min(this.windowMs * 2, MAX_WINDOW_MS)
      this.open()
    } else if (this.state === CLOSED && this.failures >= FAILURES_TO_OPEN) {
      this.log('info', 'telemetry export paused: the collector does not take it', {
        failed_exports: this.failures,
        probe_within_ms: this.windowMs,
      })
      this.open()
      for (const peer of this.peers) peer.openWithPeer(this.signal)
    }
  }

  /** A peer's collector is dead: this signal's too. A probe still tells it when it is back. */
  private openWithPeer(signal: Signal): void {
    if (this.state !== CLOSED) return
    this.log('info', 'telemetry export paused: the collector does not take it', {
      opened_by: signal,
      probe_within_ms: this.windowMs,
    })
    this.open()
  }

  private open(): void {
    this.set(OPEN)
    // unref: a pending probe must not keep an ending process alive.
    setTimeout(() => this.set(HALF_OPEN), this.windowMs).unref()
  }

  private set(state: BreakerState): void {
    this.state = state
    telemetryHealth().breakerState[this.signal] = state
  }

  private log(level: 'info', message: string, fields: Record<string, unknown>): void {
    if (this.now() - this.lastLogged < LOG_INTERVAL_MS) return
    this.lastLogged = this.now()
    bootstrapLog(level, message, {
      signal: this.signal,
      ...fields,
      dropped_metric: 'shopscope_telemetry_dropped_total',
    })
  }
}

export interface ExportResult {
  code: number
  error?: Error
}
export interface Exporter<T> {
  export(items: T, done: (result: ExportResult) => void): void
}

/** ExportResultCode (@opentelemetry/core): 0 success, 1 failed. */
const FAILED = 1

/**
 * Replaces `exporter.export` with one that asks the breaker first and tells it how each export
 * ended. `count` says how many items a batch holds (spans, log records, metric points).
 */
export function guardExporter<T>(
  exporter: Exporter<T>,
  breaker: ExportBreaker,
  count: (items: T) => number,
): void {
  const send = exporter.export.bind(exporter)
  exporter.export = (items, done) => {
    if (!breaker.admits) {
      countDropped(breaker.signal, 'breaker_open', count(items))
      done({ code: FAILED, error: new Error('telemetry export paused (breaker open)') })
      return
    }
    breaker.sending()
    send(items, (result) => {
      if (result.code === FAILED) {
        countDropped(breaker.signal, 'export_failed', count(items))
        breaker.failed()
      } else {
        breaker.exported()
      }
      done(result)
    })
  }
}
