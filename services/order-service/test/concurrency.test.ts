import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { metricValue } from '@shopscope/tests/harness'
import { asUser, setStock, shopFixture, stockOf } from './helpers'

const shop = shopFixture()

const USERS = 50
const STOCK = 10
const PRODUCT = 3

describe('concurrent checkouts of scarce stock', () => {
  it(`sells exactly ${STOCK} of ${STOCK} to ${USERS} buyers at once`, async () => {
    await setStock(shop(), PRODUCT, STOCK)
    const users = Array.from({ length: USERS }, (_, i) => asUser(shop(), 1000 + i))
    for (const as of users) {
      const res = await as({
        method: 'POST',
        url: '/api/v1/cart/items',
        payload: { productId: PRODUCT, quantity: 1 },
      })
      assert.equal(res.statusCode, 200, res.body)
    }

    const results = await Promise.all(
      users.map((as, i) =>
        as({
          method: 'POST',
          url: '/api/v1/orders',
          headers: { 'idempotency-key': `race-checkout-${i}` },
        }),
      ),
    )

    const count = (code: number) => results.filter((r) => r.statusCode === code).length
    const unexpected = results.filter((r) => r.statusCode !== 201 && r.statusCode !== 409)
    assert.deepEqual(
      unexpected.map((r) => r.body),
      [],
    )
    assert.equal(count(201), STOCK)
    assert.equal(count(409), USERS - STOCK)
    assert.equal(await stockOf(shop(), PRODUCT), 0)

    const statuses = (await shop()
      .orders.app.db('orders')
      .groupBy('status')
      .select('status')
      .count({ n: '*' })) as { status: string; n: number }[]
    const byStatus = Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)]))
    assert.deepEqual(byStatus, { confirmed: STOCK, rejected: USERS - STOCK })

    const reserved = (await shop().productDb('stock_reservation_items').sum({ q: 'quantity' })) as {
      q: number
    }[]
    assert.equal(Number(reserved[0]?.q), STOCK, 'product-service reserved exactly the stock')

    const text = (await shop().orders.app.inject('/metrics')).body
    assert.equal(metricValue(text, 'shopscope_orders_created_total'), STOCK)
    assert.equal(
      metricValue(text, 'shopscope_orders_failed_total{reason="out_of_stock"}'),
      USERS - STOCK,
    )
  })
})

describe('one cart checked out with several idempotency keys at once', () => {
  it('makes one order of it; the other keys get a clear 409 and take no stock', async () => {
    const as = asUser(shop(), 2000)
    const stock = await stockOf(shop(), 4)
    const add = await as({
      method: 'POST',
      url: '/api/v1/cart/items',
      payload: { productId: 4, quantity: 1 },
    })
    assert.equal(add.statusCode, 200, add.body)

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        as({
          method: 'POST',
          url: '/api/v1/orders',
          headers: { 'idempotency-key': `one-cart-key-${i}` },
        }),
      ),
    )

    const created = results.filter((r) => r.statusCode === 201)
    assert.equal(created.length, 1, results.map((r) => r.body).join('\n'))
    for (const res of results.filter((r) => r.statusCode !== 201)) {
      assert.equal(res.statusCode, 409, res.body)
      assert.match(res.json().reason, /^(cart_checked_out|empty_cart)$/)
    }
    assert.equal(await stockOf(shop(), 4), stock - 1)
    const orders = (await as({ url: '/api/v1/orders' })).json().items
    assert.deepEqual(
      orders.map((o: { status: string }) => o.status),
      ['confirmed'],
    )
    // The winning key still answers with its order.
    const again = await as({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { 'idempotency-key': `one-cart-key-${results.indexOf(created[0]!)}` },
    })
    assert.equal(again.statusCode, 200, again.body)
    assert.equal(again.json().id, created[0]!.json().id)
  })
})

describe('adds and checkouts racing on one cart', () => {
  it('never deadlock into a 500 (the cart locks take no gap locks on adds)', async () => {
    for (let userId = 3000; userId < 3010; userId++) {
      const as = asUser(shop(), userId)
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          i % 4 === 3
            ? as({
                method: 'POST',
                url: '/api/v1/orders',
                headers: { 'idempotency-key': `race-add-${userId}-${i}` },
              })
            : as({
                method: 'POST',
                url: '/api/v1/cart/items',
                payload: { productId: (i % 10) + 1, quantity: 1 },
              }),
        ),
      )
      assert.deepEqual(
        results.filter((r) => r.statusCode >= 500).map((r) => r.body),
        [],
      )
    }
  })
})
