import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import {
  startExportingProductService,
  type ExportingProductService,
} from './exporting-product-service'
import { stagedBootstrap } from './service-process'
import { isExposed, promClientNamesFor } from './metric-table'

const newTraceId = () => randomBytes(16).toString('hex')
const newSpanId = () => randomBytes(8).toString('hex')
const ADMIN_TOKEN = 'telemetry-test-admin-token-of-32-characters-at-least'

describe('product-service started with node --require autoinstrumentation.js', () => {
  let run: ExportingProductService

  before(async () => {
    run = await startExportingProductService({
      requires: [stagedBootstrap()],
      env: { FAULT_INJECTION_ENABLED: 'true', FAULT_ADMIN_TOKEN: ADMIN_TOKEN },
    })
  })
  after(() => run?.stop())

  it('continues the caller trace with server, route and sanitized SQL spans', async () => {
    const traceId = newTraceId()
    const parent = newSpanId()
    const res = await fetch(`${run.service.url}/api/v1/products?q=zz-secret-term`, {
      headers: { traceparent: `00-${traceId}-${parent}-01` },
    })
    assert.equal(res.status, 200)
    const spans = await run.otlp.waitFor('the request spans with SQL', () => {
      const inTrace = run.otlp.spans.filter((s) => s.traceId === traceId)
      const complete =
        inTrace.some((s) => s.attributes['db.system.name'] === 'mysql') &&
        inTrace.some((s) => s.kind === 2)
      return complete && inTrace
    })
    const server = spans.filter((s) => s.kind === 2)
    assert.equal(server.length, 1, 'exactly one SERVER span per request')
    assert.equal(server[0]?.parentSpanId, parent, 'the incoming traceparent is the parent')
    assert.equal(server[0]?.name, 'GET /api/v1/products')
    // The bootstrap's own Fastify hook (services/telemetry/src/fastify-server.ts).
    assert.equal(server[0]?.scope, '@shopscope/telemetry')
    assert.equal(server[0]?.attributes['http.route'], '/api/v1/products')
    assert.equal(server[0]?.attributes['http.request.method'], 'GET')
    assert.equal(server[0]?.attributes['http.response.status_code'], 200)
    assert.equal(server[0]?.attributes['url.scheme'], 'http')
    assert.equal(server[0]?.resource['service.name'], 'product-service')
    assert.deepEqual(
      spans.filter((s) => s.name === 'request'),
      [],
      'no second span for the same request',
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
      fetch(`${run.service.adminUrl}/admin/faults`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ errorRate }),
      })
    assert.equal((await setErrorRate(1)).status, 200)
    const traceId = newTraceId()
    const res = await fetch(`${run.service.url}/api/v1/products/1`, {
      headers: { traceparent: `00-${traceId}-${newSpanId()}-01` },
    })
    assert.equal((await setErrorRate(0)).status, 200)
    assert.equal(res.status, 500)
    // The server span ends last: once it is here, the whole request is.
    const server = await run.otlp.waitFor('the failed server span', () =>
      run.otlp.spans.find((s) => s.traceId === traceId && s.kind === 2),
    )
    await new Promise((r) => setTimeout(r, 500))
    assert.equal(server.statusCode, 2, 'span status ERROR')
    assert.equal(server.attributes['http.response.status_code'], 500)
    const withException = run.otlp.spans.filter(
      (s) => s.traceId === traceId && s.events.includes('exception'),
    )
    assert.ok(withException.length > 0, 'an exception event')
  })

  it('does not trace health, readiness or metrics requests', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      assert.equal((await fetch(`${run.service.url}${path}`)).status, 200)
    }
    const marker = newTraceId()
    await fetch(`${run.service.url}/api/v1/products/1`, {
      headers: { traceparent: `00-${marker}-${newSpanId()}-01` },
    })
    await run.otlp.waitFor('a later request', () =>
      run.otlp.spans.some((s) => s.traceId === marker),
    )
    const operational = run.otlp.spans.filter((s) =>
      ['/healthz', '/readyz', '/metrics'].some(
        (p) => s.attributes['url.path'] === p || s.attributes['http.route'] === p,
      ),
    )
    assert.deepEqual(operational, [])
  })

  it('writes logs with the trace id and exports each record over OTLP exactly once', async () => {
    const traceId = newTraceId()
    await fetch(`${run.service.url}/api/v1/products/2`, {
      headers: { traceparent: `00-${traceId}-${newSpanId()}-01` },
    })
    const stdout = () => run.service.records.filter((r) => r.trace_id === traceId)
    await run.otlp.waitFor('the access log on stdout', () => stdout().length > 0)
    const access = stdout().filter((r) => r.message === 'request completed')
    assert.equal(access.length, 1, 'one access-log record per request')
    assert.equal(access[0]?.http_route, '/api/v1/products/:id')
    assert.equal(access[0]?.http_status, 200)
    const exported = await run.otlp.waitFor('the access log over OTLP', () => {
      const found = run.otlp.logs.filter((l) => l.traceId === traceId)
      return found.length >= stdout().length && found
    })
    await new Promise((r) => setTimeout(r, 1_000)) // a duplicate would arrive in a later batch
    const again = run.otlp.logs.filter((l) => l.traceId === traceId)
    assert.equal(again.length, stdout().length, 'each stdout record is exported once')
    assert.deepEqual(
      exported.map((l) => l.body).sort(),
      stdout()
        .map((r) => r.message)
        .sort(),
    )
  })

  it('exports http.server.request.duration with http.route, from one source only', async () => {
    await fetch(`${run.service.url}/api/v1/products/3`)
    const points = await run.otlp.waitFor('http.server.request.duration', () => {
      const found = run.otlp.metrics.filter(
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
      run.otlp.metrics
        .filter((p) => p.metric === 'http.server.request.duration')
        .map((p) => p.scope),
    )
    assert.deepEqual([...sources], ['@shopscope/telemetry'])
    // The 500 of the failed-request test above: measured with its route and error.type.
    const failed = await run.otlp.waitFor('the 500 measured', () =>
      run.otlp.metrics.find(
        (p) =>
          p.metric === 'http.server.request.duration' &&
          p.attributes['http.response.status_code'] === 500,
      ),
    )
    assert.equal(failed.attributes['http.route'], '/api/v1/products/:id')
    assert.equal(failed.attributes['error.type'], '500')
    const operational = run.otlp.metrics.filter(
      (p) =>
        p.metric === 'http.server.request.duration' && p.attributes['http.route'] === '/readyz',
    )
    assert.deepEqual(operational, [])
  })

  it('serves every documented prom-client metric on /metrics', async () => {
    const text = await (await fetch(`${run.service.url}/metrics`)).text()
    const names = promClientNamesFor('product-service', true)
    assert.ok(names.includes('shopscope_stock_reservations_total'))
    const missing = names.filter((name) => !isExposed(text, name))
    assert.deepEqual(missing, [], 'documented but not exposed')
  })
})
