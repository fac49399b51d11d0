import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dependencyUrlEnv } from '@shopscope/system'
import { freePort, type OtlpSpan } from '@shopscope/tests/harness'
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver'
import {
  FAST_EXPORT_ENV,
  stagedBootstrap,
  startServiceProcess,
  type ServiceProcess,
} from './service-process'
import { Browser } from '../../dev/traffic/browser'

const SERVER = 2
const CLIENT = 3
const ERROR = 2
const SCOPE = '@shopscope/telemetry'

/** A stand-in for product-service's catalog that keeps the traceparent of every call. */
async function startCatalog(): Promise<{ url: string; traceparents: string[]; server: Server }> {
  const traceparents: string[] = []
  const server = createServer((request, response) => {
    traceparents.push(String(request.headers.traceparent ?? ''))
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify({ items: [], page: 1, pageSize: 8, total: 0 }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, traceparents, server }
}

/** The frontend, its catalog at `catalogUrl`, its other upstreams at `closedPort`. */
const startFrontend = (
  otlp: OtlpReceiver,
  catalogUrl: string,
  closedPort: number,
  env: Record<string, string> = {},
) =>
  startServiceProcess('frontend', {
    requires: [stagedBootstrap()],
    env: {
      ...FAST_EXPORT_ENV,
      OTEL_SERVICE_NAME: 'frontend',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      ...dependencyUrlEnv('frontend', () => `http://127.0.0.1:${closedPort}`),
      PRODUCT_SERVICE_URL: catalogUrl,
      ...env,
    },
  })

const sampledTraceparent = () =>
  `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`

// The frontend's calls, sampled: a CLIENT span per call from the bootstrap's diagnostics-channel
// path (services/telemetry/src/client-calls.ts), the one recorder of every call.
describe('client spans of sampled calls', () => {
  let otlp: OtlpReceiver
  let catalog: Awaited<ReturnType<typeof startCatalog>>
  let frontend: ServiceProcess
  let closedPort: number
  const clientSpansOf = (traceparent: string) =>
    otlp.spans.filter((s) => s.traceId === traceparent.split('-')[1] && s.kind === CLIENT)

  before(async () => {
    otlp = await startOtlpReceiver()
    catalog = await startCatalog()
    // Taken and released: nothing listens there, so a call is refused.
    closedPort = await freePort()
    frontend = await startFrontend(otlp, catalog.url, closedPort)
  })
  after(async () => {
    await frontend?.stop()
    await new Promise((r) => catalog?.server.close(r))
    await otlp?.close()
  })

  it('gives a call a CLIENT span with the redacted URL and the status, passed on as traceparent', async () => {
    const traceparent = sampledTraceparent()
    const search = `term-${randomBytes(4).toString('hex')}`
    await new Browser(frontend.url, traceparent).get(`/?q=${search}`)
    const [span] = await otlp.waitFor('the client span', () => {
      const spans = clientSpansOf(traceparent)
      return spans.length > 0 && spans
    })
    assert.equal(clientSpansOf(traceparent).length, 1)
    const call = span as OtlpSpan
    assert.equal(call.scope, SCOPE)
    assert.equal(call.name, 'GET')
    assert.equal(call.statusCode, 0)
    const port = Number(new URL(catalog.url).port)
    assert.deepEqual(
      {
        method: call.attributes['http.request.method'],
        address: call.attributes['server.address'],
        port: call.attributes['server.port'],
        // The query string (what the shopper typed) left out whole.
        url: call.attributes['url.full'],
        status: call.attributes['http.response.status_code'],
      },
      {
        method: 'GET',
        address: '127.0.0.1',
        port,
        url: `${catalog.url}/api/v1/products`,
        status: 200,
      },
    )
    assert.ok(!JSON.stringify(call).includes(search), 'the search term is in no attribute')
    // The callee's parent is this span; its parent the frontend's request span.
    assert.ok(catalog.traceparents.includes(`00-${call.traceId}-${call.spanId}-01`))
    const parent = otlp.spans.find((s) => s.spanId === call.parentSpanId)
    assert.equal(parent?.kind, SERVER)
  })

  it('ends the span of a refused call with ERROR and measures it, from one scope', async () => {
    const traceparent = sampledTraceparent()
    const browser = new Browser(frontend.url, traceparent)
    await browser.get('/login')
    await browser
      .post('/login', { email: 'a@shopscope.test', password: 'not-sent-anywhere' })
      .catch(() => '')
    const [span] = await otlp.waitFor('the failed client span', () => {
      const spans = clientSpansOf(traceparent)
      return spans.length > 0 && spans
    })
    const call = span as OtlpSpan
    assert.equal(call.scope, SCOPE)
    assert.equal(call.name, 'POST')
    assert.equal(call.statusCode, ERROR)
    assert.equal(call.attributes['url.full'], `http://127.0.0.1:${closedPort}/api/v1/sessions`)
    assert.equal(call.attributes['server.port'], closedPort)
    assert.equal(typeof call.attributes['error.type'], 'string')
    assert.equal(call.attributes['http.response.status_code'], undefined)
    assert.ok(call.events.includes('exception'))
    const refusedCalls = () =>
      otlp.metrics.filter(
        (m) =>
          m.metric === 'http.client.request.duration' && m.attributes['server.port'] === closedPort,
      )
    const refused = await otlp.waitFor(
      'the failed call measured',
      () => refusedCalls().length > 0 && refusedCalls(),
    )
    assert.deepEqual([...new Set(refused.map((m) => m.scope))], [SCOPE])
    assert.equal(refused[0]?.attributes['error.type'], call.attributes['error.type'])
  })

  it("neither traces nor measures the SDK's own exports", async () => {
    // An export measured by mistake would show in the next one: let two more go out.
    await new Promise((r) => setTimeout(r, 2500))
    const otlpPort = Number(new URL(otlp.endpoint).port)
    assert.deepEqual(
      otlp.spans.filter((s) => s.attributes['server.port'] === otlpPort).map((s) => s.name),
      [],
    )
    assert.deepEqual(
      otlp.metrics.filter((m) => m.attributes['server.port'] === otlpPort).map((m) => m.metric),
      [],
    )
  })
})

// The benchmark's ablation piece `http-client` (tests/bench/configs.ts): the client spans' whole
// cost, with what the shop needs from a call still there.
describe('SHOPSCOPE_ABLATE=http-client-spans', () => {
  let otlp: OtlpReceiver
  let catalog: Awaited<ReturnType<typeof startCatalog>>
  let frontend: ServiceProcess

  before(async () => {
    otlp = await startOtlpReceiver()
    catalog = await startCatalog()
    frontend = await startFrontend(otlp, catalog.url, await freePort(), {
      SHOPSCOPE_ABLATE: 'http-client-spans',
    })
  })
  after(async () => {
    await frontend?.stop()
    await new Promise((r) => catalog?.server.close(r))
    await otlp?.close()
  })

  it('makes no client span; the call still carries the trace and is measured', async () => {
    const traceparent = sampledTraceparent()
    const traceId = traceparent.split('-')[1]
    await new Browser(frontend.url, traceparent).get('/')
    const server = await otlp.waitFor('the request span', () =>
      otlp.spans.find((s) => s.traceId === traceId && s.kind === SERVER),
    )
    const port = Number(new URL(catalog.url).port)
    await otlp.waitFor('the call measured', () =>
      otlp.metrics.some(
        (m) => m.metric === 'http.client.request.duration' && m.attributes['server.port'] === port,
      ),
    )
    assert.deepEqual(
      otlp.spans.filter((s) => s.traceId === traceId && s.kind === CLIENT),
      [],
    )
    // The callee's parent is the request span: the active one when the call was made.
    assert.ok(catalog.traceparents.includes(`00-${traceId}-${server.spanId}-01`))
  })
})
