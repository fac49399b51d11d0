import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { useMariaDb, type MariaDb } from '@shopscope/tests/harness'
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver'
import {
  FAST_EXPORT_ENV,
  stagedBootstrap,
  startServiceProcess,
  type ServiceProcess,
} from './service-process'

describe('sampler from OTEL_TRACES_SAMPLER: parent-based ratio 0', () => {
  let db: MariaDb
  let otlp: OtlpReceiver
  let service: ServiceProcess

  before(async () => {
    db = await useMariaDb()
    otlp = await startOtlpReceiver()
    service = await startServiceProcess('product-service', {
      db,
      requires: [stagedBootstrap()],
      env: {
        ...FAST_EXPORT_ENV,
        OTEL_SERVICE_NAME: 'product-service',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
      },
    })
  })
  after(async () => {
    await service?.stop()
    await otlp?.close()
    await db?.stop()
  })

  it("follows the caller's decision and samples no new trace", async () => {
    const traceOf = (flags: string) => {
      const traceId = randomBytes(16).toString('hex')
      const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`
      return { traceId, traceparent }
    }
    const sampled = traceOf('01')
    const notSampled = traceOf('00')
    await fetch(`${service.url}/api/v1/products/1`)
    await fetch(`${service.url}/api/v1/products/1`, {
      headers: { traceparent: notSampled.traceparent },
    })
    await fetch(`${service.url}/api/v1/products/1`, {
      headers: { traceparent: sampled.traceparent },
    })
    await otlp.waitFor('the sampled trace', () =>
      otlp.spans.some((s) => s.traceId === sampled.traceId && s.kind === 2),
    )
    await new Promise((r) => setTimeout(r, 500))
    const serverSpans = otlp.spans.filter((s) => s.kind === 2)
    assert.deepEqual(
      serverSpans.map((s) => s.traceId),
      [sampled.traceId],
    )
    // Logs still carry the ids of unsampled requests, so they can be found by trace id.
    assert.ok(service.records.some((r) => r.trace_id === notSampled.traceId))
  })
})
