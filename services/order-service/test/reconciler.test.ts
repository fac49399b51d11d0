import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger, serviceTokenMinter, UpstreamUnavailable } from '@shopscope/kit'
import { TEST_ENV } from '@shopscope/tests/harness'
import { ProductClient } from '../src/clients/products'
import { PendingOrderReconciler } from '../src/reconciler'
import { OrderRepository } from '../src/repositories/orders'
import { asUser, shopFixture, stockOf } from './helpers'

const shop = shopFixture()

/** The service's own parts, on the service's database (its plugin scope is not reachable). */
function parts() {
  const orders = new OrderRepository(shop().orders.app.db)
  const products = new ProductClient(
    shop().productsUrl,
    5_000,
    serviceTokenMinter(TEST_ENV.ORDER_SERVICE_SIGNING_KEY, 'order-service'),
  )
  const reconciler = new PendingOrderReconciler(
    orders,
    products,
    600,
    createLogger('test', 'error'),
  )
  return { orders, products, reconciler }
}

const PRODUCT = 4

/** A checkout that reserved stock and was then abandoned (the customer never retried). */
async function abandonedCheckout(userId: number, key: string, ageSeconds: number) {
  const { orders, products } = parts()
  await asUser(
    shop(),
    userId,
  )({
    method: 'POST',
    url: '/api/v1/cart/items',
    payload: { productId: PRODUCT, quantity: 3 },
  })
  const order = await orders.begin(userId, key)
  assert.ok('reservationId' in order, 'the cart made an order')
  const outcome = await products.reserve(order.reservationId, [{ productId: PRODUCT, quantity: 3 }])
  assert.equal(outcome.result, 'reserved')
  const { db } = shop().orders.app
  await db('orders')
    .where({ id: order.id })
    .update({ created_at: db.raw('NOW() - INTERVAL ? SECOND', [ageSeconds]) })
  return order
}

const reservationStatus = async (id: string) =>
  (
    (await shop().productDb('stock_reservations').where({ id }).first('status')) as {
      status: string
    }
  ).status

describe('pending order reconciler', () => {
  it('rejects abandoned checkouts once and gives their stock back', async () => {
    const { orders, reconciler } = parts()
    const before = await stockOf(shop(), PRODUCT)
    const old = await abandonedCheckout(21, 'abandoned-old', 7200)
    const recent = await abandonedCheckout(22, 'abandoned-recent', 5)
    assert.equal(await stockOf(shop(), PRODUCT), before - 6)

    assert.deepEqual(await reconciler.sweep(), { rejected: [old.id], confirmed: [] })
    assert.deepEqual(await reconciler.sweep(), { rejected: [], confirmed: [] })
    assert.equal(await stockOf(shop(), PRODUCT), before - 3, 'only the old one released')
    assert.equal((await orders.find(old.id))?.status, 'rejected')
    assert.equal((await orders.find(recent.id))?.status, 'pending')

    const retry = await asUser(
      shop(),
      21,
    )({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { 'idempotency-key': 'abandoned-old' },
    })
    assert.equal(retry.statusCode, 409, 'a late retry cannot resurrect it')
    assert.equal(await stockOf(shop(), PRODUCT), before - 3, 'nor take the stock again')
  })

  it('product-service down during the sweep: the order stays pending, then is rejected and its stock comes back', async () => {
    const { orders, reconciler } = parts()
    const before = await stockOf(shop(), PRODUCT)
    const order = await abandonedCheckout(23, 'abandoned-while-down', 7200)
    assert.equal(await stockOf(shop(), PRODUCT), before - 3)

    await shop().stopProducts()
    try {
      await assert.rejects(reconciler.sweep(), UpstreamUnavailable)
      // Not rejected yet: it is still on the reconciler's list, so the release is not lost.
      assert.equal((await orders.find(order.id))?.status, 'pending')
      assert.equal(await reservationStatus(order.reservationId), 'reserved')
    } finally {
      await shop().startProducts()
    }

    const settled = await reconciler.sweep()
    assert.deepEqual(settled.rejected, [order.id])
    assert.equal((await orders.find(order.id))?.status, 'rejected')
    assert.equal(await reservationStatus(order.reservationId), 'released')
    assert.equal(await stockOf(shop(), PRODUCT), before, 'the stock is back')
    // Another sweep (another replica, a retry) returns nothing twice.
    assert.deepEqual(await reconciler.sweep(), { rejected: [], confirmed: [] })
    assert.equal(await stockOf(shop(), PRODUCT), before, 'no double release')
  })

  it('an abandoned order whose reservation a checkout committed is confirmed, not robbed', async () => {
    const { orders, products, reconciler } = parts()
    const before = await stockOf(shop(), PRODUCT)
    const order = await abandonedCheckout(24, 'committed-then-crashed', 7200)
    // The checkout committed, then died before writing the confirmation.
    assert.equal((await products.commit(order.reservationId)).result, 'committed')

    assert.deepEqual(await reconciler.sweep(), { rejected: [], confirmed: [order.id] })
    assert.equal((await orders.find(order.id))?.status, 'confirmed')
    assert.equal(await reservationStatus(order.reservationId), 'committed')
    assert.equal(await stockOf(shop(), PRODUCT), before - 3, 'the stock stays the order’s')
  })

  it('a reservation released by expiry while the order-service was away ends the order rejected', async () => {
    const { orders, products, reconciler } = parts()
    const before = await stockOf(shop(), PRODUCT)
    const order = await abandonedCheckout(25, 'expired-meanwhile', 7200)
    // product-service's expiry got there first (what releaseExpired does to an old one).
    assert.equal(await products.release(order.reservationId), 'released')
    assert.equal(await stockOf(shop(), PRODUCT), before)

    assert.deepEqual((await reconciler.sweep()).rejected, [order.id])
    assert.equal((await orders.find(order.id))?.status, 'rejected')
    assert.equal(await stockOf(shop(), PRODUCT), before, 'no double release')
  })

  it('an order that cannot be settled backs off instead of starving the ones after it', async () => {
    const { orders, products } = parts()
    // One order per sweep: what 100 stuck orders did to a batch of 100.
    const reconciler = new PendingOrderReconciler(
      orders,
      products,
      600,
      createLogger('test', 'error'),
      1,
    )
    const { db } = shop().orders.app
    const stuck = await abandonedCheckout(26, 'cannot-settle', 9000)
    // product-service refuses this id (400): the order cannot be settled, sweep after sweep.
    await db('orders').where({ id: stuck.id }).update({ reservation_id: 'not a valid id!' })
    const next = await abandonedCheckout(27, 'settles-after-it', 7200)

    assert.deepEqual(await reconciler.sweep(), { rejected: [], confirmed: [] })
    assert.deepEqual(await reconciler.sweep(), { rejected: [next.id], confirmed: [] })
    const row = (await db('orders')
      .where({ id: stuck.id })
      .first('status', 'settle_attempts', db.raw('next_settle_at > NOW() AS later'))) as {
      status: string
      settle_attempts: number
      later: number
    }
    assert.deepEqual({ ...row }, { status: 'pending', settle_attempts: 1, later: 1 })
  })
})
