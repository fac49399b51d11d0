import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { csrfOf } from './helpers'
import { signedInShop } from './shop'

const shop = signedInShop()

/**
 * A cart changed in another tab: the form of this tab names a line that is gone. The shopper's
 * own stale page, not a failure of ours: back to the cart with a notice, never "Error 502".
 */
describe('forms of a cart page that is out of date', () => {
  it('changing the quantity of a line that is not in the cart (issue 24, item 3)', async () => {
    const browser = await shop().signIn()
    const cart = await browser.get('/cart')
    const res = await browser.post('/cart/items/3', { _csrf: csrfOf(cart.body), quantity: '2' })
    assert.equal(res.statusCode, 303, res.body)
    assert.equal(res.headers.location, '/cart')
    const after = await browser.get('/cart')
    assert.equal(after.statusCode, 200)
    assert.match(after.body, /no longer in your cart/)
  })

  it('removing a line twice', async () => {
    const browser = await shop().signIn()
    const token = csrfOf((await browser.get('/cart')).body)
    await browser.post('/cart/items', { _csrf: token, productId: '3', quantity: '1' })
    for (let i = 0; i < 2; i++) {
      const removed = await browser.post('/cart/items/3/remove', { _csrf: token })
      assert.equal(removed.statusCode, 303)
      assert.equal(removed.headers.location, '/cart')
    }
  })

  it('a second checkout page, once the first placed the order, leads to the orders', async () => {
    const browser = await shop().signIn()
    const token = csrfOf((await browser.get('/cart')).body)
    await browser.post('/cart/items', { _csrf: token, productId: '4', quantity: '1' })
    const keyOf = async () =>
      /name="idempotencyKey" value="([^"]+)"/.exec((await browser.get('/checkout')).body)?.[1] ?? ''
    const [first, second] = [await keyOf(), await keyOf()]
    const placed = await browser.post('/checkout', { _csrf: token, idempotencyKey: first })
    assert.match(String(placed.headers.location), /^\/orders\/\d+$/)
    const again = await browser.post('/checkout', { _csrf: token, idempotencyKey: second })
    assert.equal(again.statusCode, 303, again.body)
    assert.equal(again.headers.location, '/orders', 'the cart is in the order of the first page')
    assert.match((await browser.get('/orders')).body, /flash-error/)
    const fresh = await browser.post('/checkout', { _csrf: token, idempotencyKey: randomUUID() })
    assert.equal(fresh.statusCode, 303)
    assert.match(String(fresh.headers.location), /^\/(cart|orders)$/)
  })
})
