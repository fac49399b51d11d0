import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { useMariaDb, type MariaDb } from '@shopscope/tests/harness'
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver'
import { type ServiceName, dependencyUrlEnv } from '@shopscope/system'
import { startInstrumented, type ServiceProcess } from './service-process'

const CLIENT = 3
const traceparentOf = (flags: string) => {
  const traceId = randomBytes(16).toString('hex')
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}` }
}

// The frontend's home page calls product-service once. With the production sampler's parent-based
// rule, an unsampled page's call gets no span, a sampled one's a CLIENT span
// (services/telemetry/src/client-calls.ts): the callee and the metric must not tell them apart.
describe('calls under an unsampled trace: no client span, same propagation and metric', () => {
  let db: MariaDb
  let otlp: OtlpReceiver
  let products: ServiceProcess
  let frontend: ServiceProcess
  const unsampled = traceparentOf('00')
  const sampled = traceparentOf('01')
  const sampler = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }

  before(async () => {
    db = await useMariaDb()
    otlp = await startOtlpReceiver()
    const start = (name: ServiceName, env: Record<string, string>) =>
      startInstrumented(name, { db, otlpEndpoint: otlp.endpoint, env: { ...sampler, ...env } })
    products = await start('product-service', {})
    // The home page needs none of the other two: nothing listens there.
    frontend = await start('frontend', {
      ...dependencyUrlEnv('frontend', () => 'http://127.0.0.1:9'),
      PRODUCT_SERVICE_URL: products.url,
    })
    for (const { traceparent } of [unsampled, sampled]) {
      const page = await fetch(`${frontend.url}/`, { headers: { traceparent } })
      assert.equal(page.status, 200)
      await page.text()
    }
    await otlp.waitFor('the sampled client span', () =>
      otlp.spans.some((s) => s.traceId === sampled.traceId && s.kind === CLIENT),
    )
  })
  after(async () => {
    await frontend?.stop()
    await products?.stop()
    await otlp?.close()
    await db?.stop()
  })

  it('passes the unsampled trace on: the callee logs its id and records no span of it', () => {
    assert.ok(
      products.records.some((r) => r.trace_id === unsampled.traceId),
      'product-service logged under the unsampled trace id',
    )
    assert.deepEqual(
      otlp.spans.filter((s) => s.traceId === unsampled.traceId),
      [],
    )
  })

  it('measures both calls in one http.client.request.duration series, from one scope', async () => {
    const port = Number(new URL(products.url).port)
    const durations = () =>
      otlp.metrics.filter(
        (m) =>
          m.metric === 'http.client.request.duration' &&
          m.resource['service.name'] === 'frontend' &&
          m.attributes['server.port'] === port,
      )
    // Cumulative: a point that counts both calls, the unsampled one included.
    await otlp.waitFor('both calls measured', () => durations().some((m) => (m.count ?? 0) >= 2))
    // One recorder for every call (services/telemetry/src/client-calls.ts): sampled or not, the
    // same scope and the same attributes, hence the same series.
    assert.deepEqual([...new Set(durations().map((m) => m.scope))], ['@shopscope/telemetry'])
    assert.equal(new Set(durations().map((m) => JSON.stringify(m.attributes))).size, 1)
    const [point] = durations()
    assert.equal(point?.attributes['http.response.status_code'], 200)
    assert.equal(point?.attributes['http.request.method'], 'GET')
    assert.equal(point?.unit, 's')
  })
})
