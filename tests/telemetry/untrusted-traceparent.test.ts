import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { dependencyUrlEnv } from '@shopscope/system'
import { parse } from 'yaml'
import { TEST_ENV } from '@shopscope/tests/harness'
import { MAX_USES, TraceGrants } from '../../services/frontend/src/trace-grants'
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
      ...dependencyUrlEnv('frontend', () => nowhere),
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

  it('keeps the sampled flag of a browser trace with a page grant, MAX_USES times, at ratio 0', async () => {
    const frontend = await startFrontend(otlp, {
      ...UNTRUSTED,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
    })
    running.push(frontend)
    // What a sampled page of any replica carries (the same SESSION_SECRET).
    const page = { traceId: traceOf('01').traceId, spanId: randomBytes(8).toString('hex') }
    const grant = new TraceGrants(TEST_ENV.SESSION_SECRET).issue({ ...page, traceFlags: 1 }, '')
    assert.ok(grant)
    const forged = grant.replace(/.$/, (c) => (c === '0' ? '1' : '0'))
    const other = new TraceGrants('x'.repeat(32)).issue({ ...page, traceFlags: 1 }, '')
    const send = async (flags: string, value: string | undefined) => {
      const t = traceOf(flags)
      const headers = {
        traceparent: t.traceparent,
        ...(value ? { tracestate: `shopscope=${value}` } : {}),
      }
      assert.equal((await fetch(`${frontend.url}/login`, { headers })).status, 200)
      return t.traceId
    }
    const honoured = [await send('01', grant), await send('01', grant)]
    assert.equal(honoured.length, MAX_USES)
    const refused = [
      await send('01', grant), // used up
      await send('01', forged),
      await send('01', other), // another deployment's key
      await send('00', grant), // the browser did not sample it
      await send('01', undefined),
    ]
    await frontend.stop()
    assert.equal(serverSpansOf(otlp, honoured).length, 2)
    assert.deepEqual(serverSpansOf(otlp, refused), [])
  })

  it('puts its trace context on the page, and a grant only when the page is sampled', async () => {
    const pageMeta = async (ratio: string) => {
      const frontend = await startFrontend(otlp, {
        ...UNTRUSTED,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: ratio,
      })
      running.push(frontend)
      const { traceId, traceparent } = traceOf('00')
      const body = await (await fetch(`${frontend.url}/login`, { headers: { traceparent } })).text()
      const meta = (name: string) =>
        new RegExp(`<meta name="${name}" content="([^"]+)"`).exec(body)?.[1]
      return { traceId, traceparent: meta('traceparent'), grant: meta('shopscope-trace-grant') }
    }
    const sampled = await pageMeta('1')
    assert.match(sampled.traceparent ?? '', new RegExp(`^00-${sampled.traceId}-[0-9a-f]{16}-01$`))
    assert.match(sampled.grant ?? '', new RegExp(`^${sampled.traceId}\\.0\\.`))
    const dropped = await pageMeta('0')
    assert.match(dropped.traceparent ?? '', new RegExp(`^00-${dropped.traceId}-[0-9a-f]{16}-00$`))
    assert.equal(dropped.grant, undefined)
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
