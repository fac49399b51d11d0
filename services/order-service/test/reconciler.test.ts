import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger } from '@shopscope/kit'
import { reservationId } from '../src/checkout'
import { ProductClient } from '../src/clients/products'
import { PendingOrderReconciler } from '../src/reconciler'
import { OrderRepository } from '../src/repositories/orders'
import { asUser, shopFixture, stockOf } from './helpers'

const shop = shopFixture()

/** The service's own parts, on the service's database (its plugin scope is not reachable). */
function parts() {
  const orders = new OrderRepository(shop().orders.app.db)
  const products = new ProductClient(shop().productsUrl, 5_000)
  const reconciler = new PendingOrderReconciler(
    orders,
    products,
    600,
    createLogger('test', 'error'),
  )
  return { orders, products, reconciler }
}

/** A checkout that reserved stock and was then abandoned (the customer never retried). */
async function abandonedCheckout(userId: number, key: string, ageSeconds: number) {
  const { orders, products } = parts()
  await asUser(
    shop(),
    userId,
  )({
    method: 'POST',
    url: '/api/v1/cart/items',
    payload: { productId: 4, quantity: 3 },
  })
  const order = await orders.begin(userId, key)
  assert.ok(order)
  const outcome = await products.reserve(reservationId(order.id), [{ productId: 4, quantity: 3 }])
  assert.equal(outcome.result, 'reserved')
  const { db } = shop().orders.app
  await db('orders')
    .where({ id: order.id })
    .update({
      created_at: db.raw('NOW() - INTERVAL ? SECOND', [ageSeconds]),
    })
  return order.id
}

describe('pending order reconciler', () => {
  it('rejects abandoned checkouts once and gives their stock back', async () => {
    const { orders, reconciler } = parts()
    const before = await stockOf(shop(), 4)
    const old = await abandonedCheckout(21, 'abandoned-old', 7200)
    const recent = await abandonedCheckout(22, 'abandoned-recent', 5)
    assert.equal(await stockOf(shop(), 4), before - 6)

    assert.deepEqual(await reconciler.sweep(), [old])
    assert.deepEqual(await reconciler.sweep(), [])
    assert.equal(await stockOf(shop(), 4), before - 3, 'only the old one released')
    assert.equal((await orders.find(old))?.status, 'rejected')
    assert.equal((await orders.find(recent))?.status, 'pending')

    const retry = await asUser(
      shop(),
      21,
    )({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { 'idempotency-key': 'abandoned-old' },
    })
    assert.equal(retry.statusCode, 409, 'a late retry cannot resurrect it')
  })
})
