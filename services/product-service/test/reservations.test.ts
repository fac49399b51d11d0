import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isProblem, OutOfStockProblem, UnknownProductProblem } from '@shopscope/contracts'
import { serviceTokenMinter } from '@shopscope/kit'
import { productServiceFixture } from './helpers'
import { metricValue, TEST_ENV } from '@shopscope/tests/harness'
import { INITIAL_STOCK } from '../src/db/seed'

const REJECTED = 'shopscope_stock_reservations_total{result="rejected"}'

const svc = productServiceFixture()

const stockOf = async (id: number): Promise<number> =>
  (await svc().app.inject(`/api/v1/products/${id}`)).json().stock

/** What order-service sends with every reservation call. */
const asOrderService = {
  authorization: `Bearer ${serviceTokenMinter(TEST_ENV.ORDER_SERVICE_SIGNING_KEY, 'order-service')('product-service')}`,
}

const reserve = (id: string, items: { productId: number; quantity: number }[]) =>
  svc().app.inject({
    method: 'PUT',
    url: `/api/v1/reservations/${id}`,
    headers: asOrderService,
    payload: { items },
  })
const call = (method: 'GET' | 'DELETE' | 'POST', url: string) =>
  svc().app.inject({ method, url: `/api/v1/reservations/${url}`, headers: asOrderService })

describe('stock reservations', () => {
  it('takes stock once, however often the same reservation is sent', async () => {
    const first = await reserve('order-1', [
      { productId: 1, quantity: 2 },
      { productId: 2, quantity: 1 },
    ])
    assert.equal(first.statusCode, 201)
    assert.equal(first.json().total, 3499.97)
    const again = await reserve('order-1', [
      { productId: 2, quantity: 1 },
      { productId: 1, quantity: 1 },
      { productId: 1, quantity: 1 },
    ])
    assert.equal(again.statusCode, 200, 'the same lines, however written, are the same request')
    assert.deepEqual(again.json(), first.json())
    assert.equal(await stockOf(1), INITIAL_STOCK - 2)
    assert.equal(await stockOf(2), INITIAL_STOCK - 1)
  })

  it('takes nothing when one line cannot be served', async () => {
    const before3 = await stockOf(3)
    const res = await reserve('order-2', [
      { productId: 3, quantity: 1 },
      { productId: 4, quantity: INITIAL_STOCK + 1 },
    ])
    assert.equal(res.statusCode, 409)
    assert.match(res.json().detail, /Not enough stock for product 4/)
    // order-service reads these members with this very schema, never the English detail.
    assert.ok(isProblem(OutOfStockProblem, res.json()), res.body)
    assert.deepEqual(
      { productId: res.json().productId, available: res.json().available },
      { productId: 4, available: INITIAL_STOCK },
    )
    assert.equal(await stockOf(3), before3)
    // Refused for good: the id is spent, a retry of it takes nothing even once stock is back.
    assert.equal((await call('GET', 'order-2')).json().status, 'released')
    const retry = await reserve('order-2', [
      { productId: 3, quantity: 1 },
      { productId: 4, quantity: INITIAL_STOCK + 1 },
    ])
    assert.equal(retry.statusCode, 200)
    assert.deepEqual(retry.json().items, [])
    assert.equal(await stockOf(3), before3)
  })

  it('never goes below zero under concurrent reservations', async () => {
    const rejected = async () => metricValue((await svc().app.inject('/metrics')).body, REJECTED)
    const rejectedBefore = await rejected()
    await reserve('drain-5', [{ productId: 5, quantity: INITIAL_STOCK - 10 }])
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => reserve(`race-${i}`, [{ productId: 5, quantity: 1 }])),
    )
    assert.equal(results.filter((r) => r.statusCode === 201).length, 10)
    assert.equal(results.filter((r) => r.statusCode === 409).length, 20)
    assert.equal(await stockOf(5), 0)
    assert.equal((await rejected()) - rejectedBefore, 20)
  })

  it('gives the stock back once on release', async () => {
    await reserve('order-3', [{ productId: 6, quantity: 3 }])
    assert.equal(await stockOf(6), INITIAL_STOCK - 3)
    for (let i = 0; i < 2; i++) {
      const res = await call('DELETE', 'order-3')
      assert.equal(res.statusCode, 200)
      assert.equal(res.json().status, 'released')
    }
    assert.equal(await stockOf(6), INITIAL_STOCK)
  })

  it('answers 404 for unknown products and 400 for bad bodies', async () => {
    const unknown = await reserve('order-4', [{ productId: 4242, quantity: 1 }])
    assert.equal(unknown.statusCode, 404)
    assert.ok(isProblem(UnknownProductProblem, unknown.json()), unknown.body)
    assert.equal(unknown.json().productId, 4242)
    for (const payload of [
      '{"items": [',
      '{"items": []}',
      '{"items":[{"productId":1,"quantity":-1}]}',
      '[]',
    ]) {
      const res = await svc().app.inject({
        method: 'PUT',
        url: '/api/v1/reservations/order-5',
        headers: { ...asOrderService, 'content-type': 'application/json' },
        payload,
      })
      assert.equal(res.statusCode, 400, payload)
      assert.equal(res.json().status, 400)
    }
    const big = await svc().app.inject({
      method: 'PUT',
      url: '/api/v1/reservations/order-6',
      headers: { ...asOrderService, 'content-type': 'application/json' },
      payload: JSON.stringify({ items: [], pad: 'x'.repeat(100_000) }),
    })
    assert.equal(big.statusCode, 413)
    assert.equal(big.json().status, 413)
  })
})
