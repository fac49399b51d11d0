import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { serviceTokenMinter } from '@shopscope/kit'
import { TEST_ENV } from '@shopscope/tests/harness'
import { ProductClient } from '../src/clients/products'
import { OrderRepository } from '../src/repositories/orders'
import { asUser, shopFixture, stockOf } from './helpers'

const shop = shopFixture()
const as = (userId: number) => asUser(shop(), userId)
const add = (userId: number, productId: number, quantity: number) =>
  as(userId)({ method: 'POST', url: '/api/v1/cart/items', payload: { productId, quantity } })
const checkout = (userId: number, key: string) =>
  as(userId)({ method: 'POST', url: '/api/v1/orders', headers: { 'idempotency-key': key } })

const reservationOf = async (orderId: number) =>
  (
    (await shop().orders.app.db('orders').where({ id: orderId }).first('reservation_id')) as {
      reservation_id: string
    }
  ).reservation_id
const reservationRow = async (id: string) =>
  (await shop().productDb('stock_reservations').where({ id }).first('status')) as
    { status: string } | undefined

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('reservation ids', () => {
  it('are random per order, committed with the order, and never part of an answer', async () => {
    const ids: string[] = []
    for (const [userId, key] of [
      [31, 'random-id-0001'],
      [32, 'random-id-0002'],
    ] as const) {
      await add(userId, 2, 1)
      const res = await checkout(userId, key)
      assert.equal(res.statusCode, 201, res.body)
      const id = await reservationOf(res.json().id)
      assert.match(id, UUID, 'not derived from the order id')
      assert.equal((await reservationRow(id))?.status, 'committed')
      for (const body of [
        res.body,
        (await as(userId)({ url: `/api/v1/orders/${res.json().id}` })).body,
      ]) {
        assert.ok(!body.includes(id), 'the reservation id leaked into an answer')
        assert.ok(!/reservation/i.test(body), body)
      }
      ids.push(id)
    }
    assert.notEqual(ids[0], ids[1])
  })

  it('a reservation pre-created under the order’s id cannot make its checkout confirm without stock', async () => {
    const orders = new OrderRepository(shop().orders.app.db)
    const products = new ProductClient(
      shop().productsUrl,
      5_000,
      serviceTokenMinter(TEST_ENV.ORDER_SERVICE_SIGNING_KEY, 'order-service'),
    )
    await add(33, 3, 5)
    const order = await orders.begin(33, 'pre-created-0001')
    assert.ok('reservationId' in order, 'the cart made an order')
    // Even knowing the id and holding order-service's token: one cheap unit of another product.
    await products.reserve(order.reservationId, [{ productId: 10, quantity: 1 }])
    const before = await stockOf(shop(), 3)

    const res = await checkout(33, 'pre-created-0001')
    // product-service refuses the other body (409 reservation_conflict): never a confirmation.
    assert.equal(res.statusCode, 502, res.body)
    assert.notEqual((await orders.find(order.id))?.status, 'confirmed')
    assert.equal(await stockOf(shop(), 3), before)
  })
})
