import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Knex } from 'knex'
import { assertDependencyUnavailable } from '@shopscope/tests/harness'
import { asUser, shopFixture, stockOf } from './helpers'

const shop = shopFixture()
const PRODUCT = 2

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const found = await probe()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** The server thread of order-service's connection that waits on `lock`'s row lock. */
const waitingThread = (lock: Knex.Transaction) =>
  waitFor(async () => {
    const [rows] = (await lock.raw(
      `SELECT ID FROM information_schema.PROCESSLIST
       WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE '%for update%'`,
    )) as [{ ID: number }[]]
    return rows[0]?.ID
  }, 'the checkout to wait on the lock')

describe('order-service losing its database connection in the middle of a checkout', () => {
  it('answers 503 with Retry-After, not 500, and a retry with the same key confirms once', async () => {
    const as = asUser(shop(), 40)
    const db = shop().orders.app.db
    const add = await as({
      method: 'POST',
      url: '/api/v1/cart/items',
      payload: { productId: PRODUCT, quantity: 1 },
    })
    assert.equal(add.statusCode, 200, add.body)
    const stock = await stockOf(shop(), PRODUCT)

    // product-service's reservation waits on this product's row lock: the checkout is held
    // after its pending order was written and before it is confirmed.
    const productLock = await shop().productDb.transaction()
    await productLock('products').where({ id: PRODUCT }).forUpdate().first('id')
    const checkout = as({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { 'idempotency-key': 'database-lost-0001' },
    })
    const order = await waitFor(
      async () => (await db('orders').where({ user_id: 40 }).first('id')) as { id: number },
      'the pending order',
    )
    // Now the confirming transaction (SELECT … FOR UPDATE of the order) waits on this lock,
    // and its connection is killed there: its ROLLBACK then finds the connection closed.
    const orderLock = await db.transaction()
    await orderLock('orders').where({ id: order.id }).forUpdate().first('id')
    await productLock.commit()
    await orderLock.raw('KILL CONNECTION ?', [await waitingThread(orderLock)])
    await orderLock.commit()

    const res = await checkout
    assertDependencyUnavailable(res, 'database')

    const retry = await as({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { 'idempotency-key': 'database-lost-0001' },
    })
    assert.equal(retry.statusCode, 201, retry.body)
    assert.equal(retry.json().id, order.id)
    assert.equal(retry.json().status, 'confirmed')
    assert.equal(await stockOf(shop(), PRODUCT), stock - 1, 'the stock was taken once')
  })
})
