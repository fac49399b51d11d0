import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { metricValue } from '@shopscope/tests/harness'
import { asUser, shopFixture, stockOf } from './helpers'

const shop = shopFixture()

const checkout = (key: string) =>
  asUser(shop(), 1)({ method: 'POST', url: '/api/v1/orders', headers: { 'idempotency-key': key } })

describe('product-service down', () => {
  it('answers 503 and keeps the order pending, then completes it on retry', async () => {
    const as = asUser(shop(), 1)
    await as({ method: 'POST', url: '/api/v1/cart/items', payload: { productId: 2, quantity: 2 } })
    const stock = await stockOf(shop(), 2)

    await shop().stopProducts()
    const down = await checkout('retry-after-outage')
    assert.equal(down.statusCode, 503, down.body)
    assert.match(down.headers['content-type'] as string, /application\/problem\+json/)
    assert.match(down.json().detail, /product-service is unavailable/)
    assert.ok(down.headers['retry-after'])
    const [pending] = (await shop().orders.app.db('orders').where({ user_id: 1 })) as {
      id: number
      status: string
    }[]
    assert.equal(pending?.status, 'pending')
    // The pending order holds the cart's lines: the same key completes it, another key finds
    // the cart already checked out instead of ordering it a second time.
    assert.equal((await as({ url: '/api/v1/cart' })).json().itemCount, 0)
    const other = await checkout('another-key-during-outage')
    assert.equal(other.statusCode, 409, other.body)
    assert.equal(other.json().reason, 'cart_checked_out')

    const adding = await as({
      method: 'POST',
      url: '/api/v1/cart/items',
      payload: { productId: 3, quantity: 1 },
    })
    assert.equal(adding.statusCode, 503, 'adding to the cart needs the catalog too')
    assert.equal((await as({ url: '/api/v1/cart' })).statusCode, 200, 'reading the cart does not')

    const failed = 'shopscope_orders_failed_total{reason="dependency"}'
    assert.equal(metricValue((await shop().orders.app.inject('/metrics')).body, failed), 1)

    await shop().startProducts()
    const retried = await checkout('retry-after-outage')
    assert.equal(retried.statusCode, 201, retried.body)
    assert.equal(retried.json().id, pending?.id)
    assert.equal(retried.json().status, 'confirmed')
    assert.equal(await stockOf(shop(), 2), stock - 2)
    assert.equal((await shop().orders.app.db('orders').where({ user_id: 1 })).length, 1)
    assert.equal((await as({ url: '/api/v1/cart' })).json().itemCount, 0)
  })
})
