// Fault injection switches (services/kit/src/faults.ts) on the local stack: every switch is off
// by default, and each one (latency, error rate, failing dependency; by admin endpoint or by
// environment at boot) has an effect seen by the client and in the traces.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { killProcess, restartProcess } from '../../dev/local/stack'
import { SERVICES } from '../../dev/local/services'
import { eventually } from './eventually'
import { setFaults, spans, useLocalStack, type LocalStack } from './local-stack'

const SPAN_STATUS_ERROR = 2

async function timed(url: string, init?: RequestInit) {
  const started = performance.now()
  const res = await fetch(url, init)
  const body = await res.text()
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body,
    ms: performance.now() - started,
  }
}

describe('fault injection switches on the local stack', () => {
  let stack: LocalStack
  let api: (service: string, path: string) => string
  before(async () => {
    stack = await useLocalStack('faults')
    api = (service, path) => `${stack.state.urls[service]}${path}`
  })
  after(() => stack?.stop())

  it('the admin endpoint is only on the admin listener, never the public port', async () => {
    for (const { name } of SERVICES) {
      const res = await fetch(api(name, '/admin/faults'), {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${stack.state.faultAdminToken}`,
        },
        body: JSON.stringify({ latencyMs: 1000 }),
      })
      // 404, or 405 on the frontend, whose catch-all page route answers GET only.
      assert.ok([404, 405].includes(res.status), `${name}: ${res.status}`)
    }
  })

  it('are all off by default: no delay, no error, no failing dependency', async () => {
    for (const { name } of SERVICES) {
      assert.deepEqual(await setFaults(stack.state, name, {}), {
        latencyMs: 0,
        errorRate: 0,
        failDependency: '',
      })
    }
    for (let i = 0; i < 20; i++) {
      const res = await timed(api('product-service', '/api/v1/products'))
      assert.equal(res.status, 200)
      assert.ok(res.ms < 250, `${res.ms} ms`)
    }
    assert.equal((await timed(api('frontend', '/'))).status, 200)
  })

  it('latency: every API request waits the configured time, and its span shows it', async () => {
    await setFaults(stack.state, 'product-service', { latencyMs: 400 })
    const slow = await timed(api('product-service', '/api/v1/products?q=latency-probe'))
    assert.equal(slow.status, 200)
    assert.ok(slow.ms >= 400, `${slow.ms} ms`)
    await eventually(
      'a product-service span of at least 400 ms',
      async () =>
        (await spans(stack.state, { service: 'product-service', minDurationMs: '400' })).length > 0,
    )
    // Operational endpoints are never delayed: probes keep working during the experiment.
    assert.ok((await timed(api('product-service', '/healthz'))).ms < 250)
    await setFaults(stack.state, 'product-service', { latencyMs: 0 })
    assert.ok((await timed(api('product-service', '/api/v1/products'))).ms < 250)
  })

  it('error rate: requests answer 500 problem+json, with an error span', async () => {
    await setFaults(stack.state, 'product-service', { errorRate: 1 })
    const failed = await timed(api('product-service', '/api/v1/products'))
    assert.equal(failed.status, 500)
    assert.match(failed.type, /application\/problem\+json/)
    await eventually('an error span of product-service', async () =>
      (await spans(stack.state, { service: 'product-service', name: 'GET /api/v1/products' })).some(
        (s) => s.statusCode === SPAN_STATUS_ERROR,
      ),
    )
    await setFaults(stack.state, 'product-service', { errorRate: 0 })
    assert.equal((await timed(api('product-service', '/api/v1/products'))).status, 200)
  })

  it('failing dependency: callers answer 503 without reaching it, and recover', async () => {
    await setFaults(stack.state, 'frontend', { failDependency: 'product-service' })
    const page = await timed(api('frontend', '/'))
    assert.equal(page.status, 503)
    const unaffected = await timed(api('frontend', '/login'))
    assert.equal(unaffected.status, 200, 'pages without the dependency keep working')
    const refused = await eventually('a frontend request span answered 503', async () =>
      (await spans(stack.state, { service: 'frontend', name: 'GET /' })).find(
        (s) => s.attributes['http.response.status_code'] === 503,
      ),
    )
    const trace = await spans(stack.state, { traceId: refused.traceId })
    assert.deepEqual(
      trace.filter((s) => s.resource['service.name'] === 'product-service'),
      [],
      'the failing dependency was called',
    )
    await setFaults(stack.state, 'frontend', { failDependency: '' })
    assert.equal((await timed(api('frontend', '/'))).status, 200)
  })

  it('environment switch: FAULT_ERROR_RATE at boot, off again without it', async () => {
    const { state } = stack
    const spec = state.processes['product-service']?.spec
    assert.ok(spec)
    await killProcess(state, 'product-service', 'SIGTERM')
    spec.env.FAULT_ERROR_RATE = '1'
    await restartProcess(state, 'product-service')
    assert.equal((await timed(api('product-service', '/api/v1/products'))).status, 500)
    assert.equal((await timed(api('product-service', '/readyz'))).status, 200)

    await killProcess(state, 'product-service', 'SIGTERM')
    delete spec.env.FAULT_ERROR_RATE
    await restartProcess(state, 'product-service')
    assert.equal((await timed(api('product-service', '/api/v1/products'))).status, 200)
  })
})
