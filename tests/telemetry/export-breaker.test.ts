// The export breaker's states and counts, and the log filter in front of the OTLP transport, in
// process (collector-down.test.ts runs both in a real service).
import { afterEach, beforeEach, describe, it, mock } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { ROOT_CONTEXT, SeverityNumber, trace, TraceFlags, type Context } from '@opentelemetry/api'
import {
  ExportBreaker,
  FAILURES_TO_OPEN,
  FIRST_WINDOW_MS,
  guardExporter,
  MAX_WINDOW_MS,
  type ExportResult,
} from '../../services/telemetry/src/export-breaker'
import { telemetryHealth } from '../../services/telemetry/src/dropped-telemetry'
import { collectorGroups } from '../../services/telemetry/src/guarded-exports'
import { exportsUnderSampling } from '../../services/telemetry/src/log-export-policy'
import { filterLogsBeforeTheTransport } from '../../services/telemetry/src/log-transport-filter'

const SUCCESS = { code: 0 }
const FAILURE = { code: 1, error: new Error('ECONNREFUSED') }

/** An exporter that answers what `results` says and counts its calls. */
function fakeExporter(results: ExportResult[]) {
  const exporter = {
    calls: 0,
    export(_items: number[], done: (result: ExportResult) => void) {
      done(results[Math.min(exporter.calls++, results.length - 1)] ?? SUCCESS)
    },
  }
  return exporter
}

const exportOnce = (exporter: {
  export: (items: number[], done: (r: ExportResult) => void) => void
}) => new Promise<ExportResult>((resolve) => exporter.export([1, 2, 3], resolve))

describe('export breaker', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }))
  afterEach(() => mock.timers.reset())

  it('opens after consecutive failures, drops whole batches while open, probes once per window', async () => {
    const health = telemetryHealth()
    const before = { ...health.dropped.spans }
    const breaker = new ExportBreaker('spans')
    const exporter = fakeExporter([FAILURE])
    guardExporter(exporter, breaker, (items) => items.length)
    for (let i = 0; i < FAILURES_TO_OPEN; i++) await exportOnce(exporter)
    assert.equal(breaker.admits, false)
    assert.equal(health.breakerState.spans, 2)
    assert.equal(exporter.calls, FAILURES_TO_OPEN)
    // Open: the exporter is not called, the batch is counted whole.
    const dropped = await exportOnce(exporter)
    assert.equal(dropped.code, 1)
    assert.equal(exporter.calls, FAILURES_TO_OPEN)
    assert.equal(health.dropped.spans.breaker_open - before.breaker_open, 3)
    assert.equal(health.dropped.spans.export_failed - before.export_failed, 3 * FAILURES_TO_OPEN)
    // The window ends: one probe goes out; it fails, and the next window is twice as long.
    mock.timers.tick(FIRST_WINDOW_MS)
    assert.equal(breaker.currentState, 1)
    await exportOnce(exporter)
    assert.equal(exporter.calls, FAILURES_TO_OPEN + 1)
    assert.equal(breaker.currentState, 2)
    mock.timers.tick(FIRST_WINDOW_MS)
    assert.equal(breaker.currentState, 2, 'the second window is longer')
    mock.timers.tick(FIRST_WINDOW_MS)
    assert.equal(breaker.currentState, 1)
  })

  it('closes on a successful probe and starts again from the first window', async () => {
    const breaker = new ExportBreaker('log_records')
    const exporter = fakeExporter([FAILURE, FAILURE, FAILURE, SUCCESS, FAILURE])
    guardExporter(exporter, breaker, (items) => items.length)
    for (let i = 0; i < FAILURES_TO_OPEN; i++) await exportOnce(exporter)
    mock.timers.tick(FIRST_WINDOW_MS)
    assert.equal((await exportOnce(exporter)).code, 0)
    assert.equal(breaker.currentState, 0)
    assert.equal(telemetryHealth().breakerState.log_records, 0)
    // One failure after recovery does not open it again.
    await exportOnce(exporter)
    assert.equal(breaker.admits, true)
  })

  it('lets nothing more through while its probe is in flight', async () => {
    const breaker = new ExportBreaker('spans')
    const pending: ((result: ExportResult) => void)[] = []
    // A dead collector's exporter: it answers only after its retries, here when the test says.
    const slow = {
      export(_items: number[], done: (result: ExportResult) => void) {
        pending.push(done)
      },
    }
    guardExporter(slow, breaker, (items) => items.length)
    for (let i = 0; i < FAILURES_TO_OPEN; i++) {
      const ended = exportOnce(slow)
      pending.shift()?.(FAILURE)
      await ended
    }
    mock.timers.tick(FIRST_WINDOW_MS)
    assert.equal(breaker.admits, true, 'the window ended: records for the probe')
    const probe = exportOnce(slow)
    assert.equal(breaker.currentState, 1)
    assert.equal(breaker.admits, false, 'the probe is in flight')
    const meanwhile = await exportOnce(slow)
    assert.equal(meanwhile.code, 1, 'a batch during the probe is dropped, not sent')
    assert.equal(pending.length, 1)
    pending.shift()?.(SUCCESS)
    assert.equal((await probe).code, 0)
    assert.equal(breaker.admits, true, 'the probe succeeded: closed')
  })

  it('never waits longer than the last window between probes', async () => {
    const breaker = new ExportBreaker('metric_points')
    const exporter = fakeExporter([FAILURE])
    guardExporter(exporter, breaker, (items) => items.length)
    for (let i = 0; i < FAILURES_TO_OPEN; i++) await exportOnce(exporter)
    for (let probe = 0; probe < 10; probe++) {
      mock.timers.tick(MAX_WINDOW_MS)
      assert.equal(breaker.currentState, 1, `probe ${probe} within ${MAX_WINDOW_MS} ms`)
      await exportOnce(exporter)
    }
  })

  it('opens the other signals of the same collector with it, not those of another', async () => {
    const spans = new ExportBreaker('spans')
    const logs = new ExportBreaker('log_records')
    const metrics = new ExportBreaker('metric_points')
    for (const group of collectorGroups({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://metrics-gateway:4318/v1/metrics',
    })) {
      const peers = group.map(
        (signal) => ({ spans, log_records: logs, metric_points: metrics })[signal],
      )
      for (const breaker of peers) breaker.sharesCollectorWith(peers)
    }
    const exporter = fakeExporter([FAILURE])
    guardExporter(exporter, spans, (items) => items.length)
    for (let i = 0; i < FAILURES_TO_OPEN; i++) await exportOnce(exporter)
    assert.equal(spans.admits, false)
    assert.equal(logs.admits, false, 'logs go to the same collector: open too')
    assert.equal(metrics.admits, true, 'metrics go elsewhere: still exporting')
    // The peer probes on its own window and closes on its own success.
    mock.timers.tick(FIRST_WINDOW_MS)
    assert.equal(logs.currentState, 1)
    logs.exported()
    assert.equal(logs.currentState, 0)
  })

  it('groups the signals by the collector OTEL_* send them to', () => {
    assert.deepEqual(collectorGroups({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), [
      ['spans', 'log_records', 'metric_points'],
    ])
    assert.deepEqual(
      collectorGroups({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:9428/insert/opentelemetry/v1/logs',
      }),
      [['spans', 'metric_points'], ['log_records']],
    )
  })
})

interface FakeLogger {
  emitted: unknown[]
  asked: number
  emit(record: unknown): void
  enabled(options: { context?: Context; severityNumber?: number }): boolean
}

describe('log records are filtered before the OTLP transport builds them', () => {
  const fromTransport = createRequire(require.resolve('@opentelemetry/winston-transport'))
  const legacyLogs = fromTransport('@opentelemetry/api-logs') as {
    logs: { setGlobalLoggerProvider(p: unknown): unknown; disable(): void }
  }
  const { OpenTelemetryTransportV3 } = fromTransport('@opentelemetry/winston-transport') as {
    OpenTelemetryTransportV3: new () => { log(info: object, cb: () => void): void }
  }
  // The SDK's answer under the `sampled` policy.
  const logger: FakeLogger = {
    emitted: [],
    asked: 0,
    emit(record) {
      this.emitted.push(record)
    },
    enabled(options) {
      this.asked++
      return exportsUnderSampling(options)
    },
  }
  const contextOf = (flags: number) =>
    trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: flags,
    })
  const record = (level: string, flags: number) => ({
    level,
    message: 'request completed',
    [Symbol.for('level')]: level,
    [Symbol.for('opentelemetry.js.contrib.winston.context')]: contextOf(flags),
    // What the transport would copy, field by field, into the record's attributes.
    route: '/api/v1/products/:id',
    statusCode: 200,
  })

  it('builds only what the SDK will export', () => {
    legacyLogs.logs.setGlobalLoggerProvider({ getLogger: () => logger })
    filterLogsBeforeTheTransport()
    const transport = new OpenTelemetryTransportV3()
    let done = 0
    transport.log(record('info', TraceFlags.NONE), () => done++)
    assert.equal(logger.emitted.length, 0, 'an unsampled info record is not built')
    assert.equal(logger.asked, 1)
    transport.log(record('info', TraceFlags.SAMPLED), () => done++)
    transport.log(record('warn', TraceFlags.NONE), () => done++)
    assert.equal(logger.emitted.length, 2, 'sampled records and warnings are')
    assert.equal(
      (logger.emitted[1] as { severityNumber: number }).severityNumber,
      SeverityNumber.WARN,
    )
    assert.equal(done, 3, 'winston is told every record was handled')
    legacyLogs.logs.disable()
  })
})
