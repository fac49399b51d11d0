import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { metricValue } from '@shopscope/tests/harness'
import { asUser, shopFixture, stockOf } from './helpers'

const shop = shopFixture()
const as = (userId: number) => asUser(shop(), userId)

const add = (userId: number, productId: number, quantity: number) =>
  as(userId)({ method: 'POST', url: '/api/v1/cart/items', payload: { productId, quantity } })
const checkout = (userId: number, key?: string) =>
  as(userId)({
    method: 'POST',
    url: '/api/v1/orders',
    headers: key === undefined ? {} : { 'idempotency-key': key },
  })
const metrics = async () => (await shop().orders.app.inject('/metrics')).body
const orderCount = async (userId: number) =>
  Number(
    (
      (await shop().orders.app.db('orders').where({ user_id: userId }).count({ n: '*' })) as {
        n: number
      }[]
    )[0]?.n,
  )

describe('checkout', () => {
  it('confirms the order, takes the stock and empties the cart', async () => {
    const before = { laptop: await stockOf(shop(), 1), webcam: await stockOf(shop(), 10) }
    const createdBefore = metricValue(await metrics(), 'shopscope_orders_created_total')
    await add(1, 1, 1)
    await add(1, 10, 3)
    const res = await checkout(1, 'happy-path-0001')
    assert.equal(res.statusCode, 201, res.body)
    const order = res.json()
    assert.equal(order.status, 'confirmed')
    assert.equal(order.total, 1449.96)
    assert.deepEqual(order.items, [
      { productId: 1, name: 'Laptop Pro', quantity: 1, unitPrice: 1299.99 },
      { productId: 10, name: 'Webcam HD', quantity: 3, unitPrice: 49.99 },
    ])
    assert.ok(Date.now() - Date.parse(order.createdAt) < 60_000, order.createdAt)

    assert.equal((await as(1)({ url: '/api/v1/cart' })).json().itemCount, 0)
    assert.equal(await stockOf(shop(), 1), before.laptop - 1)
    assert.equal(await stockOf(shop(), 10), before.webcam - 3)

    const list = (await as(1)({ url: '/api/v1/orders' })).json()
    assert.deepEqual(list.items, [
      {
        id: order.id,
        status: 'confirmed',
        itemCount: 4,
        total: 1449.96,
        createdAt: order.createdAt,
      },
    ])
    assert.deepEqual((await as(1)({ url: `/api/v1/orders/${order.id}` })).json(), order)

    const text = await metrics()
    assert.equal(metricValue(text, 'shopscope_orders_created_total') - createdBefore, 1)
    assert.equal(metricValue(text, 'shopscope_order_value_euros_bucket{le="1000"}'), 0)
    assert.equal(metricValue(text, 'shopscope_order_value_euros_bucket{le="2500"}'), 1)
    assert.match(text, /shopscope_upstream_circuit_state\{upstream="product-service"\} 0/)
    assert.doesNotMatch(text, /# \{\}/, 'no empty exemplars outside a trace')
  })

  it('charges the price product-service reserves at, not the cart snapshot', async () => {
    await add(2, 4, 1)
    await shop().productDb('products').where({ id: 4 }).update({ price_cents: 60000 })
    const res = await checkout(2, 'new-price-0001')
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.json().items[0].unitPrice, 600)
    assert.equal(res.json().total, 600)
    // The answer is built from what the checkout wrote: it must be what the database holds.
    const stored = await as(2)({ url: `/api/v1/orders/${res.json().id}` })
    assert.deepEqual(stored.json(), res.json())
  })

  it('lists newest first and hides other users’ orders', async () => {
    await add(3, 2, 1)
    const first = (await checkout(3, 'newest-first-1')).json()
    await add(3, 3, 1)
    const second = (await checkout(3, 'newest-first-2')).json()
    const ids = (await as(3)({ url: '/api/v1/orders' }))
      .json()
      .items.map((o: { id: number }) => o.id)
    assert.deepEqual(ids, [second.id, first.id])
    const foreign = await as(4)({ url: `/api/v1/orders/${first.id}` })
    assert.equal(foreign.statusCode, 404)
    assert.equal(foreign.json().status, 404)
    assert.deepEqual((await as(4)({ url: '/api/v1/orders' })).json(), { items: [] })
    assert.equal((await as(4)({ url: '/api/v1/orders/abc' })).statusCode, 400)
  })

  it('refuses an empty cart with 409 and creates nothing', async () => {
    const res = await checkout(5, 'empty-cart-0001')
    assert.equal(res.statusCode, 409)
    assert.equal(res.json().type, 'https://shopscope.dev/problems/empty-cart')
    assert.equal(await orderCount(5), 0)
    const failed = 'shopscope_orders_failed_total{reason="empty_cart"}'
    assert.equal(metricValue(await metrics(), failed), 1)
  })

  it('requires a well-formed Idempotency-Key', async () => {
    await add(6, 1, 1)
    for (const key of [undefined, 'short', 'x'.repeat(65), 'has spaces in it', 'semi;colon;;']) {
      const res = await checkout(6, key)
      assert.equal(res.statusCode, 400, String(key))
      assert.match(res.headers['content-type'] as string, /application\/problem\+json/)
    }
    assert.equal(await orderCount(6), 0)
  })

  it('answers 409 when stock is short, takes nothing and keeps the cart', async () => {
    await shop().productDb('products').where({ id: 6 }).update({ stock: 1 })
    const laptops = await stockOf(shop(), 1)
    await add(7, 1, 1)
    await add(7, 6, 2)
    const res = await checkout(7, 'short-stock-01')
    assert.equal(res.statusCode, 409)
    assert.equal(res.json().detail, 'Not enough stock for Appareil Photo')
    assert.equal(res.json().type, 'https://shopscope.dev/problems/out-of-stock')
    // Named by product-service's productId, passed on for clients to act on, not by parsing text.
    assert.equal(res.json().reason, 'out_of_stock')
    assert.equal(res.json().productId, 6)
    assert.equal(await stockOf(shop(), 1), laptops)
    assert.equal((await as(7)({ url: '/api/v1/cart' })).json().itemCount, 3)
    const [order] = (await as(7)({ url: '/api/v1/orders' })).json().items
    assert.equal(order.status, 'rejected')
    assert.equal((await checkout(7, 'short-stock-01')).statusCode, 409, 'a rejected key stays so')
    const failed = 'shopscope_orders_failed_total{reason="out_of_stock"}'
    assert.equal(metricValue(await metrics(), failed), 1)
  })

  it('rejects an order whose product left the catalog since it was added', async () => {
    await add(8, 5, 1)
    await shop().productDb('products').where({ id: 5 }).delete()
    const res = await checkout(8, 'gone-product-01')
    assert.equal(res.statusCode, 409)
    assert.equal(res.json().detail, 'Montre Connectée is no longer sold')
    assert.equal(res.json().productId, 5)
    const [order] = (await as(8)({ url: '/api/v1/orders' })).json().items
    assert.equal(order.status, 'rejected')
  })
})

describe('idempotency', () => {
  it('returns the same order when a key is sent again', async () => {
    await add(10, 8, 2)
    const first = await checkout(10, 'same-key-twice')
    assert.equal(first.statusCode, 201)
    await add(10, 9, 1) // a new cart must not change what the key already ordered
    const second = await checkout(10, 'same-key-twice')
    assert.equal(second.statusCode, 200)
    assert.deepEqual(second.json(), first.json())
    assert.equal(await orderCount(10), 1)
    assert.equal((await as(10)({ url: '/api/v1/cart' })).json().itemCount, 1)
  })

  it('creates one order and takes stock once for five concurrent identical requests', async () => {
    const stock = await stockOf(shop(), 7)
    await add(11, 7, 4)
    const results = await Promise.all(
      Array.from({ length: 5 }, () => checkout(11, 'concurrent-key-5')),
    )
    const codes = results.map((r) => r.statusCode).sort()
    assert.deepEqual(codes, [200, 200, 200, 200, 201], results.map((r) => r.body).join('\n'))
    assert.equal(new Set(results.map((r) => r.json().id)).size, 1)
    assert.equal(await orderCount(11), 1)
    assert.equal(await stockOf(shop(), 7), stock - 4)
  })

  it('lets two users use the same key independently', async () => {
    await add(12, 10, 1)
    await add(13, 10, 1)
    const a = await checkout(12, 'shared-key-value')
    const b = await checkout(13, 'shared-key-value')
    assert.equal(a.statusCode, 201)
    assert.equal(b.statusCode, 201)
    assert.notEqual(a.json().id, b.json().id)
  })
})
