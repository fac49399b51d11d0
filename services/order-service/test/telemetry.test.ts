import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { context, SpanStatusCode, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { userPseudonym } from '@shopscope/kit'
import { TEST_ENV } from '@shopscope/tests/harness'
import { asUser, shopFixture } from './helpers'

// A real SDK recording in memory: what the Collector would receive from the running service.
const exporter = new InMemorySpanExporter()
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
trace.setGlobalTracerProvider(
  new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
)

const shop = shopFixture()
const USER = 4242
const spansNamed = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name)

describe('business telemetry', () => {
  it('traces a checkout with a nested reservation and links metrics to it', async () => {
    const as = asUser(shop(), USER)
    await as({ method: 'POST', url: '/api/v1/cart/items', payload: { productId: 9, quantity: 1 } })
    await as({ method: 'POST', url: '/api/v1/cart/items', payload: { productId: 8, quantity: 2 } })
    exporter.reset()
    const res = await as({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { 'idempotency-key': 'telemetry-0001' },
    })
    assert.equal(res.statusCode, 201, res.body)

    const [checkout] = spansNamed('checkout')
    const [reserve] = spansNamed('reserve_stock')
    assert.ok(
      checkout && reserve,
      exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .join(','),
    )
    assert.deepEqual(checkout.attributes, {
      // Keyed (kit, JWT_SECRET): a plain sha256 of a small id is reversed by hashing every id.
      'user.id': userPseudonym(TEST_ENV.JWT_SECRET)(USER),
      'order.id': res.json().id,
      'cart.items': 2,
    })
    assert.match(String(checkout.attributes['user.id']), /^[0-9a-f]{16}$/)
    assert.notEqual(checkout.attributes['user.id'], String(USER))
    assert.equal(reserve.attributes['order.id'], res.json().id)
    assert.equal(reserve.attributes['reservation.result'], 'reserved')
    assert.equal(reserve.parentSpanContext?.spanId, checkout.spanContext().spanId)
    assert.equal(checkout.status.code, SpanStatusCode.UNSET)

    const metrics = (await shop().orders.app.inject('/metrics')).body
    const traceId = checkout.spanContext().traceId
    assert.match(metrics, new RegExp(`shopscope_orders_created_total 1 # \\{trace_id="${traceId}"`))
  })

  it('marks a failed checkout as an error with the exception recorded', async () => {
    exporter.reset()
    const res = await asUser(
      shop(),
      USER + 1,
    )({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { 'idempotency-key': 'telemetry-0002' },
    })
    assert.equal(res.statusCode, 409)
    const [checkout] = spansNamed('checkout')
    assert.equal(checkout?.status.code, SpanStatusCode.ERROR)
    assert.equal(checkout?.events[0]?.name, 'exception')
    assert.equal(spansNamed('reserve_stock').length, 0)
  })
})
