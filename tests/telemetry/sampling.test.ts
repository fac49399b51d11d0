import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import {
  startExportingProductService,
  type ExportingProductService,
} from './exporting-product-service'
import { stagedBootstrap } from './service-process'

const RATIO_0 = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }
const ADMIN_TOKEN = 'sampling-test-admin-token-of-32-characters-at-least'

const traceOf = (flags: string) => {
  const traceId = randomBytes(16).toString('hex')
  const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`
  return { traceId, traceparent }
}

/** PUT /admin/faults with no change: a WARN record ('fault injection changed') in the trace. */
const warnUnder = (run: ExportingProductService, traceparent: string) =>
  fetch(`${run.service.adminUrl}/admin/faults`, {
    method: 'PUT',
    headers: {
      traceparent,
      authorization: `Bearer ${ADMIN_TOKEN}`,
      'content-type': 'application/json',
    },
    body: '{}',
  })

const exportedBodies = (run: ExportingProductService, traceId: string) =>
  run.otlp.logs.filter((r) => r.traceId === traceId).map((r) => `${r.severityText} ${r.body}`)

describe('sampler from OTEL_TRACES_SAMPLER: parent-based ratio 0', () => {
  let run: ExportingProductService

  before(async () => {
    run = await startExportingProductService({
      requires: [stagedBootstrap()],
      env: { ...RATIO_0, FAULT_INJECTION_ENABLED: 'true', FAULT_ADMIN_TOKEN: ADMIN_TOKEN },
    })
  })
  after(() => run?.stop())

  it("follows the caller's decision and samples no new trace", async () => {
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

  it('exports the logs of sampled traces, warnings and errors, and keeps the rest on stdout', async () => {
    const sampled = traceOf('01')
    const notSampled = traceOf('00')
    await fetch(`${run.service.url}/api/v1/products/1`, {
      headers: { traceparent: notSampled.traceparent },
    })
    assert.equal((await warnUnder(run, notSampled.traceparent)).status, 200)
    await fetch(`${run.service.url}/api/v1/products/1`, {
      headers: { traceparent: sampled.traceparent },
    })
    await run.otlp.waitFor('the sampled request log', () =>
      exportedBodies(run, sampled.traceId).includes('info request completed'),
    )
    await new Promise((r) => setTimeout(r, 500))
    // Unsampled: the WARN record only, not its two access lines.
    assert.deepEqual(exportedBodies(run, notSampled.traceId), ['warn fault injection changed'])
    const onStdout = run.service.records.filter((r) => r.trace_id === notSampled.traceId)
    assert.deepEqual(onStdout.map((r) => `${r.level} ${r.message}`).sort(), [
      'info request completed',
      'info request completed',
      'warn fault injection changed',
    ])
    // Records outside any trace (start-up) are exported.
    assert.ok(
      run.otlp.logs.some((r) => r.traceId === ''),
      'the records outside any trace are exported',
    )
  })
})

describe('SHOPSCOPE_LOG_EXPORT=all', () => {
  let run: ExportingProductService

  before(async () => {
    run = await startExportingProductService({
      requires: [stagedBootstrap()],
      env: { ...RATIO_0, SHOPSCOPE_LOG_EXPORT: 'all' },
    })
  })
  after(() => run?.stop())

  it('exports the access line of an unsampled request too', async () => {
    const notSampled = traceOf('00')
    await fetch(`${run.service.url}/api/v1/products/1`, {
      headers: { traceparent: notSampled.traceparent },
    })
    await run.otlp.waitFor('the unsampled request log', () =>
      exportedBodies(run, notSampled.traceId).includes('info request completed'),
    )
  })
})
