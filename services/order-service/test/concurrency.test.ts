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
