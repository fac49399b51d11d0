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
import { isExposed, promClientNamesFor } from './metric-table'

const newTraceId = () => randomBytes(16).toString('hex')
const newSpanId = () => randomBytes(8).toString('hex')
const ADMIN_TOKEN = 'telemetry-test-admin-token'

describe('product-service started with node --require autoinstrumentation.js', () => {
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
        FAULT_ADMIN_TOKEN: ADMIN_TOKEN,
      },
    })
  })
  after(async () => {
    await service?.stop()
    await otlp?.close()
    await db?.stop()
  })

  it('continues the caller trace with server, route and sanitized SQL spans', async () => {
    const traceId = newTraceId()
    const parent = newSpanId()
    const res = await fetch(`${service.url}/api/v1/products?q=zz-secret-term`, {
      headers: { traceparent: `00-${traceId}-${parent}-01` },
    })
    assert.equal(res.status, 200)
    const spans = await otlp.waitFor('the request spans with SQL', () => {
      const inTrace = otlp.spans.filter((s) => s.traceId === traceId)
      const complete =
        inTrace.some((s) => s.attributes['db.system.name'] === 'mysql') &&
        inTrace.some((s) => s.kind === 2)
      return complete && inTrace
    })
    const server = spans.filter((s) => s.kind === 2)
    assert.equal(server.length, 1, 'exactly one SERVER span per request')
    assert.equal(server[0]?.parentSpanId, parent, 'the incoming traceparent is the parent')
    assert.equal(server[0]?.attributes['http.route'], '/api/v1/products')
    assert.equal(server[0]?.resource['service.name'], 'product-service')
    assert.ok(
      spans.some((s) => s.scope === '@fastify/otel'),
      'Fastify request/handler spans',
    )
    const sql = spans.filter((s) => s.attributes['db.query.text'] !== undefined)
    assert.ok(sql.length > 0)
    for (const s of sql) {
      assert.doesNotMatch(
        String(s.attributes['db.query.text']),
        /zz-secret-term/,
        'SQL leaks a value',
      )
    }
  })

  it('records a failed request as an error with an exception event', async () => {
    const setErrorRate = (errorRate: number) =>
      fetch(`${service.url}/admin/faults`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ errorRate }),
      })
    assert.equal((await setErrorRate(1)).status, 200)
    const traceId = newTraceId()
    const res = await fetch(`${service.url}/api/v1/products/1`, {
      headers: { traceparent: `00-${traceId}-${newSpanId()}-01` },
    })
    assert.equal((await setErrorRate(0)).status, 200)
    assert.equal(res.status, 500)
    // The server span ends last: once it is here, the whole request is.
    const server = await otlp.waitFor('the failed server span', () =>
      otlp.spans.find((s) => s.traceId === traceId && s.kind === 2),
    )
    await new Promise((r) => setTimeout(r, 500))
    assert.equal(server.statusCode, 2, 'span status ERROR')
    assert.equal(server.attributes['http.response.status_code'], 500)
    const withException = otlp.spans.filter(
      (s) => s.traceId === traceId && s.events.includes('exception'),
    )
    assert.ok(withException.length > 0, 'an exception event')
  })

  it('does not trace health, readiness or metrics requests', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      assert.equal((await fetch(`${service.url}${path}`)).status, 200)
    }
    const marker = newTraceId()
    await fetch(`${service.url}/api/v1/products/1`, {
      headers: { traceparent: `00-${marker}-${newSpanId()}-01` },
    })
    await otlp.waitFor('a later request', () => otlp.spans.some((s) => s.traceId === marker))
    const operational = otlp.spans.filter((s) =>
      ['/healthz', '/readyz', '/metrics'].some(
        (p) => s.attributes['url.path'] === p || s.attributes['http.route'] === p,
      ),
    )
    assert.deepEqual(operational, [])
  })

  it('writes logs with the trace id and exports each record over OTLP exactly once', async () => {
    const traceId = newTraceId()
    await fetch(`${service.url}/api/v1/products/2`, {
      headers: { traceparent: `00-${traceId}-${newSpanId()}-01` },
    })
    const stdout = () => service.records.filter((r) => r.trace_id === traceId)
    await otlp.waitFor('the access log on stdout', () => stdout().length > 0)
    const access = stdout().filter((r) => r.message === 'request completed')
    assert.equal(access.length, 1, 'one access-log record per request')
    assert.equal(access[0]?.http_route, '/api/v1/products/:id')
    assert.equal(access[0]?.http_status, 200)
    const exported = await otlp.waitFor('the access log over OTLP', () => {
      const found = otlp.logs.filter((l) => l.traceId === traceId)
      return found.length >= stdout().length && found
    })
    await new Promise((r) => setTimeout(r, 1_000)) // a duplicate would arrive in a later batch
    const again = otlp.logs.filter((l) => l.traceId === traceId)
    assert.equal(again.length, stdout().length, 'each stdout record is exported once')
    assert.deepEqual(
      exported.map((l) => l.body).sort(),
      stdout()
        .map((r) => r.message)
        .sort(),
    )
  })

  it('exports http.server.request.duration with http.route, from one source only', async () => {
    await fetch(`${service.url}/api/v1/products/3`)
    const points = await otlp.waitFor('http.server.request.duration', () => {
      const found = otlp.metrics.filter(
        (p) =>
          p.metric === 'http.server.request.duration' &&
          p.attributes['http.route'] === '/api/v1/products/:id' &&
          p.attributes['http.response.status_code'] === 200,
      )
      return found.length > 0 && found
    })
    assert.equal(points[0]?.unit, 's')
    assert.equal(points[0]?.attributes['http.request.method'], 'GET')
    const sources = new Set(
      otlp.metrics.filter((p) => p.metric === 'http.server.request.duration').map((p) => p.scope),
    )
    assert.deepEqual([...sources], ['@opentelemetry/instrumentation-http'])
    const operational = otlp.metrics.filter(
      (p) =>
        p.metric === 'http.server.request.duration' && p.attributes['http.route'] === '/readyz',
    )
    assert.deepEqual(operational, [])
  })

  it('serves every documented prom-client metric on /metrics', async () => {
    const text = await (await fetch(`${service.url}/metrics`)).text()
    const names = promClientNamesFor('product-service', true)
    assert.ok(names.includes('shopscope_stock_reservations_total'))
    const missing = names.filter((name) => !isExposed(text, name))
    assert.deepEqual(missing, [], 'documented but not exposed')
  })
})
