import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { tokenSigner } from '@shopscope/kit'
import { MAX_CART_LINES } from '@shopscope/contracts'
import { asUser, shopFixture } from './helpers'

const shop = shopFixture()
const as = (userId: number) => asUser(shop(), userId)

const add = (userId: number, productId: number, quantity: number) =>
  as(userId)({ method: 'POST', url: '/api/v1/cart/items', payload: { productId, quantity } })

describe('cart', () => {
  it('starts empty', async () => {
    const res = await as(1)({ url: '/api/v1/cart' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { items: [], itemCount: 0, total: 0 })
  })

  it('adds, increments, sets and removes lines with live totals', async () => {
    assert.equal((await add(2, 10, 2)).statusCode, 200)
    const added = (await add(2, 1, 1)).json()
    assert.deepEqual(added.items, [
      { productId: 1, name: 'Laptop Pro', unitPrice: 1299.99, quantity: 1, lineTotal: 1299.99 },
      { productId: 10, name: 'Webcam HD', unitPrice: 49.99, quantity: 2, lineTotal: 99.98 },
    ])
    assert.equal(added.itemCount, 3)
    assert.equal(added.total, 1399.97)

    const incremented = (await add(2, 10, 3)).json()
    assert.equal(incremented.items[1].quantity, 5)

    const set = await as(2)({
      method: 'PUT',
      url: '/api/v1/cart/items/10',
      payload: { quantity: 1 },
    })
    assert.equal(set.statusCode, 200)
    assert.equal(set.json().total, 1349.98)
    const same = await as(2)({
      method: 'PUT',
      url: '/api/v1/cart/items/10',
      payload: { quantity: 1 },
    })
    assert.equal(same.statusCode, 200, 'setting the current quantity again is not a 404')

    const removed = await as(2)({ method: 'DELETE', url: '/api/v1/cart/items/1' })
    assert.equal(removed.statusCode, 200)
    assert.deepEqual(
      removed.json().items.map((i: { productId: number }) => i.productId),
      [10],
    )
    const again = await as(2)({ method: 'DELETE', url: '/api/v1/cart/items/1' })
    assert.equal(again.statusCode, 200)
    assert.equal(again.json().total, 49.99)
  })

  it('caps a line at 100', async () => {
    await add(3, 5, 90)
    const capped = (await add(3, 5, 90)).json()
    assert.equal(capped.items[0].quantity, 100)
  })

  it(`holds at most ${MAX_CART_LINES} lines however many adds race for the last ones`, async () => {
    const userId = 70
    const lines = Array.from({ length: MAX_CART_LINES - 5 }, (_, i) => ({
      user_id: userId,
      product_id: 1000 + i,
      quantity: 1,
      name: `Filler ${i}`,
      unit_price_cents: 100,
    }))
    await shop().orders.app.db('cart_items').insert(lines)
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => add(userId, i + 1, 1)))
    const codes = results.map((r) => r.statusCode)
    assert.equal(codes.filter((c) => c === 200).length, 5, codes.join(' '))
    assert.equal(codes.filter((c) => c === 409).length, 5, codes.join(' '))
    const [count] = (await shop().orders.app.db('cart_items').where({ user_id: userId }).count({
      n: '*',
    })) as { n: number }[]
    assert.equal(Number(count?.n), MAX_CART_LINES)
  })

  it('keeps carts apart per user', async () => {
    await add(4, 3, 1)
    assert.equal((await as(5)({ url: '/api/v1/cart' })).json().itemCount, 0)
    assert.equal((await as(4)({ url: '/api/v1/cart' })).json().itemCount, 1)
  })

  it('answers 404 for an unknown product or a line not in the cart', async () => {
    const unknown = await add(6, 999_999, 1)
    assert.equal(unknown.statusCode, 404)
    assert.match(unknown.headers['content-type'] as string, /application\/problem\+json/)
    assert.match(unknown.json().detail, /Product 999999 not found/)
    const notInCart = await as(6)({
      method: 'PUT',
      url: '/api/v1/cart/items/2',
      payload: { quantity: 2 },
    })
    assert.equal(notInCart.statusCode, 404)
    assert.equal((await as(6)({ url: '/api/v1/cart' })).json().itemCount, 0)
  })

  it('rejects bad bodies and params with 400 problems', async () => {
    for (const payload of [
      { productId: 1, quantity: 0 },
      { productId: 1, quantity: 101 },
      { productId: 'abc', quantity: 1 },
      { productId: 1 },
      { productId: 1, quantity: 1, price: 0.01 },
    ]) {
      const res = await as(7)({ method: 'POST', url: '/api/v1/cart/items', payload })
      assert.equal(res.statusCode, 400, JSON.stringify(payload))
      assert.equal(res.json().status, 400)
    }
    const malformed = await as(7)({
      method: 'POST',
      url: '/api/v1/cart/items',
      headers: { 'content-type': 'application/json' },
      payload: '{"productId": 1,',
    })
    assert.equal(malformed.statusCode, 400)
    const badParam = await as(7)({ method: 'DELETE', url: '/api/v1/cart/items/1%20OR%201=1' })
    assert.equal(badParam.statusCode, 400)
    assert.equal((await as(7)({ url: '/api/v1/cart' })).json().itemCount, 0)
  })

  it('takes ids in the address only as digits ("1\\n", " 1", "01", "1.0", "+1" are 400s)', async () => {
    assert.equal((await add(9, 1, 2)).statusCode, 200)
    for (const id of ['1%0A', '%201', '1%20', '01', '1.0', '+1']) {
      for (const [method, url] of [
        ['PUT', `/api/v1/cart/items/${id}`],
        ['DELETE', `/api/v1/cart/items/${id}`],
        ['GET', `/api/v1/orders/${id}`],
      ] as const) {
        const payload = method === 'PUT' ? { quantity: 5 } : undefined
        const res = await as(9)({ method, url, ...(payload ? { payload } : {}) })
        assert.equal(res.statusCode, 400, `${method} ${url}: ${res.body}`)
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
      }
    }
    assert.deepEqual(
      (await as(9)({ url: '/api/v1/cart' }))
        .json()
        .items.map((i: { quantity: number }) => i.quantity),
      [2],
    )
  })

  it('requires a valid bearer token', async () => {
    const app = shop().orders.app
    const anonymous = await app.inject({
      method: 'POST',
      url: '/api/v1/cart/items',
      payload: { productId: 1, quantity: 'x' },
    })
    assert.equal(anonymous.statusCode, 401, 'authentication comes before validation')
    assert.equal(anonymous.json().status, 401)
    const forged = tokenSigner('another-secret-another-secret-0123456')({
      id: 1,
      email: 'a@b.c',
      role: 'customer',
    })
    for (const authorization of [`Bearer ${forged}`, 'Bearer not.a.token', 'Basic dXNlcjpwdw==']) {
      const res = await app.inject({ url: '/api/v1/cart', headers: { authorization } })
      assert.equal(res.statusCode, 401, authorization)
    }
    assert.equal((await app.inject('/api/v1/orders')).statusCode, 401)
  })
})
