import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { useMariaDb, type MariaDb } from '@shopscope/tests/harness'
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver'
import { stagedBootstrap, startServiceProcess } from './service-process'

describe('SIGTERM', () => {
  let db: MariaDb
  let otlp: OtlpReceiver

  before(async () => {
    db = await useMariaDb()
    otlp = await startOtlpReceiver()
  })
  after(async () => {
    await otlp?.close()
    await db?.stop()
  })

  it('flushes spans, logs and metrics still queued, and the service exits cleanly', async () => {
    const service = await startServiceProcess('product-service', {
      db,
      requires: [stagedBootstrap()],
      env: {
        OTEL_SERVICE_NAME: 'product-service',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
        // Nothing would be exported for a minute: only the shutdown flush can deliver it.
        OTEL_BSP_SCHEDULE_DELAY: '60000',
        OTEL_BLRP_SCHEDULE_DELAY: '60000',
        OTEL_METRIC_EXPORT_INTERVAL: '60000',
      },
    })
    const traceId = randomBytes(16).toString('hex')
    const res = await fetch(`${service.url}/api/v1/products/1`, {
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    })
    assert.equal(res.status, 200)
    assert.equal(otlp.spans.filter((s) => s.traceId === traceId).length, 0, 'still queued')
    await service.stop()
    assert.ok(
      otlp.spans.some((s) => s.traceId === traceId && s.kind === 2),
      'the server span',
    )
    assert.ok(otlp.logs.some((l) => l.traceId === traceId && l.body === 'request completed'))
    assert.ok(otlp.metrics.some((p) => p.metric === 'http.server.request.duration'))
    assert.match(service.output(), /shutdown complete/)
    assert.equal(service.exitCode(), 0)
  })
})
