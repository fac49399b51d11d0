import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver'
import {
  FAST_EXPORT_ENV,
  ROOT,
  stagedBootstrap,
  startServiceProcess,
  type ServiceProcess,
} from './service-process'

/**
 * The frontend takes `traceparent` from the internet. Its sampled flag must not decide: with
 * a parent-based sampler anyone could have every request traced (or none).
 */
const UNTRUSTED = { SHOPSCOPE_TRUST_TRACEPARENT: 'false' }

const traceOf = (flags: string) => {
  const traceId = randomBytes(16).toString('hex')
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}` }
}

async function startFrontend(otlp: OtlpReceiver, env: Record<string, string>) {
  // GET /login calls no upstream: nothing listens on these.
  const nowhere = 'http://127.0.0.1:9'
  return startServiceProcess('frontend', {
    requires: [stagedBootstrap()],
    env: {
      ...FAST_EXPORT_ENV,
      OTEL_SERVICE_NAME: 'frontend',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      USER_SERVICE_URL: nowhere,
      PRODUCT_SERVICE_URL: nowhere,
      ORDER_SERVICE_URL: nowhere,
      ...env,
    },
  })
}

const serverSpansOf = (otlp: OtlpReceiver, traceIds: string[]) =>
  otlp.spans.filter((s) => s.kind === 2 && traceIds.includes(s.traceId))

describe('the frontend does not trust the sampled flag of an incoming traceparent', () => {
  let otlp: OtlpReceiver
  const running: ServiceProcess[] = []

  before(async () => {
    otlp = await startOtlpReceiver()
  })
  after(async () => {
    for (const service of running) await service.stop()
    await otlp?.close()
  })

  it('samples none of 20 requests sent with a sampled flag at ratio 0', async () => {
    const frontend = await startFrontend(otlp, {
      ...UNTRUSTED,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
    })
    running.push(frontend)
    const traces = Array.from({ length: 20 }, () => traceOf('01'))
    for (const { traceparent } of traces) {
      const res = await fetch(`${frontend.url}/login`, { headers: { traceparent } })
      assert.equal(res.status, 200)
    }
    // SIGTERM flushes what the exporters still hold.
    await frontend.stop()
    assert.deepEqual(
      serverSpansOf(
        otlp,
        traces.map((t) => t.traceId),
      ).map((s) => s.name),
      [],
    )
  })

  it("samples an unsampled caller at ratio 1, in the caller's trace", async () => {
    const frontend = await startFrontend(otlp, {
      ...UNTRUSTED,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '1',
    })
    running.push(frontend)
    const { traceId, traceparent } = traceOf('00')
    assert.equal((await fetch(`${frontend.url}/login`, { headers: { traceparent } })).status, 200)
    await otlp.waitFor('the request span', () => serverSpansOf(otlp, [traceId]).length === 1)
  })

  it('is what the chart sets for the frontend, and only for it', () => {
    const values = parse(readFileSync(join(ROOT, 'charts/shopscope/values.yaml'), 'utf8')) as {
      services: Record<string, { env?: Record<string, string> }>
    }
    const untrusting = Object.entries(values.services)
      .filter(([, svc]) => svc.env?.SHOPSCOPE_TRUST_TRACEPARENT === 'false')
      .map(([name]) => name)
    assert.deepEqual(untrusting, ['frontend'])
  })
})
