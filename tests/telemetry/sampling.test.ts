import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import {
  startExportingProductService,
  type ExportingProductService,
} from './exporting-product-service'
import { stagedBootstrap } from './service-process'

describe('sampler from OTEL_TRACES_SAMPLER: parent-based ratio 0', () => {
  let run: ExportingProductService

  before(async () => {
    run = await startExportingProductService({
      requires: [stagedBootstrap()],
      env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' },
    })
  })
  after(() => run?.stop())

  it("follows the caller's decision and samples no new trace", async () => {
    const traceOf = (flags: string) => {
      const traceId = randomBytes(16).toString('hex')
      const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`
      return { traceId, traceparent }
    }
    const sampled = traceOf('01')
    const notSampled = traceOf('00')
    await fetch(`${run.service.url}/api/v1/products/1`)
    await fetch(`${run.service.url}/api/v1/products/1`, {
      headers: { traceparent: notSampled.traceparent },
    })
    await fetch(`${run.service.url}/api/v1/products/1`, {
      headers: { traceparent: sampled.traceparent },
    })
    await run.otlp.waitFor('the sampled trace', () =>
      run.otlp.spans.some((s) => s.traceId === sampled.traceId && s.kind === 2),
    )
    await new Promise((r) => setTimeout(r, 500))
    const serverSpans = run.otlp.spans.filter((s) => s.kind === 2)
    assert.deepEqual(
      serverSpans.map((s) => s.traceId),
      [sampled.traceId],
    )
    // Logs still carry the ids of unsampled requests, so they can be found by trace id.
    assert.ok(run.service.records.some((r) => r.trace_id === notSampled.traceId))
  })
})
