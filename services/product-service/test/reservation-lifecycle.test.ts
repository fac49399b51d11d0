import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateServiceKeyPair, promClient, serviceTokenMinter, tokenSigner } from '@shopscope/kit'
import { TEST_ENV } from '@shopscope/tests/harness'
import { productServiceFixture } from './helpers'
import { INITIAL_STOCK } from '../src/db/seed'
import { createMetrics } from '../src/metrics'
import { ReservationRepository } from '../src/repositories/reservations'

const svc = productServiceFixture()

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
/** Each caller signs with its own key, as in the cluster. */
const tokenOf = (issuer: 'frontend' | 'order-service', key?: string) =>
  serviceTokenMinter(
    key ??
      (issuer === 'frontend' ? TEST_ENV.FRONTEND_SIGNING_KEY : TEST_ENV.ORDER_SERVICE_SIGNING_KEY),
    issuer,
  )('product-service')
const asOrderService = bearer(tokenOf('order-service'))

type Method = 'PUT' | 'GET' | 'DELETE' | 'POST'
const request = (method: Method, path: string, headers: Record<string, string>, items?: object[]) =>
  svc().app.inject({
    method,
    url: `/api/v1/reservations/${path}`,
    headers,
    ...(items ? { payload: { items } } : {}),
  })
const reserve = (id: string, items: { productId: number; quantity: number }[]) =>
  request('PUT', id, asOrderService, items)
const commit = (id: string) => request('POST', `${id}/commit`, asOrderService)
const release = (id: string) => request('DELETE', id, asOrderService)
const stockOf = async (id: number): Promise<number> =>
  (await svc().app.inject(`/api/v1/products/${id}`)).json().stock

/** The service's own repository, on its database (its plugin scope is not reachable). */
const repository = () => {
  const registry = new promClient.Registry<typeof promClient.openMetricsContentType>()
  registry.setContentType(promClient.openMetricsContentType)
  return new ReservationRepository(svc().app.db, createMetrics(registry), 3600)
}
const releaseExpired = () => repository().releaseExpired()

/** As if `seconds` had passed since the reservation was made. */
const age = (id: string, seconds: number) =>
  svc()
    .app.db('stock_reservations')
    .where({ id })
    .update({ expires_at: svc().app.db.raw('expires_at - INTERVAL ? SECOND', [seconds]) })

describe('only order-service may call the reservations API', () => {
  const callers: [string, Record<string, string>][] = [
    ['anonymous', {}],
    ['the frontend', bearer(tokenOf('frontend'))],
    // The frontend faces the internet: what its pod holds must not speak for order-service.
    [
      "the frontend's key claiming to be order-service",
      bearer(tokenOf('order-service', TEST_ENV.FRONTEND_SIGNING_KEY)),
    ],
    [
      'a signed-in user',
      bearer(tokenSigner(TEST_ENV.JWT_SECRET)({ id: 1, email: 'a@b.test', role: 'admin' })),
    ],
    [
      'a token of another key',
      bearer(tokenOf('order-service', generateServiceKeyPair().privateKey)),
    ],
  ]
  for (const [who, headers] of callers) {
    it(`${who}: PUT, GET, commit and DELETE → 401, nothing moves`, async () => {
      await reserve('victim-1', [{ productId: 1, quantity: 1 }])
      const stock = await stockOf(1)
      const answers = [
        await request('PUT', `probe-${who.length}`, headers, [{ productId: 1, quantity: 5 }]),
        await request('GET', 'victim-1', headers),
        await request('POST', 'victim-1/commit', headers),
        await request('DELETE', 'victim-1', headers),
      ]
      for (const res of answers) {
        assert.equal(res.statusCode, 401, res.body)
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
      }
      assert.equal(await stockOf(1), stock)
      assert.equal((await request('GET', 'victim-1', asOrderService)).json().status, 'reserved')
    })
  }
})

describe('reservation lifecycle', () => {
  it('a known id with other lines → 409 reservation_conflict, no stock taken', async () => {
    assert.equal((await reserve('conflict-1', [{ productId: 2, quantity: 1 }])).statusCode, 201)
    const stock = await stockOf(2)
    const other = await reserve('conflict-1', [{ productId: 2, quantity: 3 }])
    assert.equal(other.statusCode, 409, other.body)
    assert.equal(other.json().reason, 'reservation_conflict')
    assert.equal(await stockOf(2), stock)
    const same = await reserve('conflict-1', [{ productId: 2, quantity: 1 }])
    assert.equal(same.statusCode, 200)
  })

  it('a committed reservation is never released: DELETE → 409, stock unchanged', async () => {
    await reserve('commit-1', [{ productId: 3, quantity: 2 }])
    for (let i = 0; i < 2; i++) {
      const res = await commit('commit-1')
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(res.json().status, 'committed')
    }
    const stock = await stockOf(3)
    const res = await release('commit-1')
    assert.equal(res.statusCode, 409, res.body)
    assert.equal(res.json().reason, 'reservation_committed')
    assert.equal(await stockOf(3), stock)
    assert.equal(stock, INITIAL_STOCK - 2)
  })

  it('a released reservation cannot be committed any more', async () => {
    await reserve('released-1', [{ productId: 4, quantity: 1 }])
    assert.equal((await release('released-1')).statusCode, 200)
    const res = await commit('released-1')
    assert.equal(res.statusCode, 409)
    assert.equal(res.json().reason, 'reservation_released')
    assert.equal((await commit('never-made')).statusCode, 404)
  })

  it('releasing an id never reserved spends it: a late PUT under it takes nothing', async () => {
    const stock = await stockOf(5)
    const released = await release('late-1')
    assert.equal(released.statusCode, 200, released.body)
    assert.equal(released.json().status, 'released')
    const late = await reserve('late-1', [{ productId: 5, quantity: 1 }])
    assert.equal(late.statusCode, 200)
    assert.equal(late.json().status, 'released')
    assert.equal(await stockOf(5), stock)
  })

  it('an uncommitted reservation expires and its stock comes back, once', async () => {
    const stock = await stockOf(6)
    await reserve('expire-1', [{ productId: 6, quantity: 4 }])
    await reserve('expire-2', [{ productId: 6, quantity: 1 }])
    await commit('expire-2')
    assert.deepEqual(await releaseExpired(), [], 'nothing expired yet')
    await age('expire-1', 3601)
    assert.deepEqual(await releaseExpired(), ['expire-1'])
    assert.deepEqual(await releaseExpired(), [])
    assert.equal(await stockOf(6), stock - 1)
    assert.equal((await request('GET', 'expire-1', asOrderService)).json().status, 'released')
    assert.equal((await commit('expire-1')).statusCode, 409, 'too late to commit')
  })

  it('a committed reservation never expires', async () => {
    await reserve('keep-1', [{ productId: 7, quantity: 1 }])
    await commit('keep-1')
    const stock = await stockOf(7)
    // Even a deadline forced into the past (a committed row has none) changes nothing.
    await svc()
      .app.db('stock_reservations')
      .where({ id: 'keep-1' })
      .update({
        expires_at: svc().app.db.raw('NOW() - INTERVAL 1 DAY'),
      })
    assert.deepEqual(await releaseExpired(), [])
    assert.equal(await stockOf(7), stock)
  })
})
