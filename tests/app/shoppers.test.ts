// The shopper loop of the cluster tests (dev/traffic/shoppers.ts) against a stand-in shop:
// what `make chaos-node` audits (acknowledged orders, checkouts submitted) and what the upgrade
// test asserts (failed requests) must be counted right before any cluster relies on them.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { Shoppers } from '../../dev/traffic/shoppers'

/** The frontend's forms and redirects, no more; `down` answers 503 to everything. */
function standInShop() {
  const state = { down: false, nextOrder: 1, checkouts: 0 }
  const form = (fields: Record<string, string>) =>
    Object.entries({ _csrf: 'token', ...fields })
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
      .join('')
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const route = `${req.method} ${req.url?.replace(/\/\d+$/, '/:id')}`
      if (state.down) return res.writeHead(503).end('down')
      const redirect = (to: string) => res.writeHead(303, { location: to }).end()
      if (route === 'POST /register') return redirect('/')
      if (route === 'POST /cart/items') return redirect('/cart')
      if (route === 'POST /checkout') {
        state.checkouts++
        return redirect(`/orders/${state.nextOrder++}`)
      }
      const key: Record<string, string> =
        route === 'GET /checkout' ? { idempotencyKey: `key-${state.checkouts}` } : {}
      if (
        ['GET /', 'GET /register', 'GET /products/:id', 'GET /cart', 'GET /checkout'].includes(
          route,
        )
      )
        return res.writeHead(200).end(`<form>${form(key)}</form>`)
      res.writeHead(404).end()
    })
  })
  return { server, state }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('shoppers of the cluster tests', () => {
  const { server, state } = standInShop()
  let baseUrl = ''
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('record every acknowledged order once, with the checkouts each shopper submitted', async () => {
    state.nextOrder = 1
    const shoppers = new Shoppers({ baseUrl, shoppers: 3, label: 'unit', checkOut: true })
    // Until each shopper has ordered (a few ms each here; longer on a loaded machine).
    for (let waited = 0; shoppers.checkoutsSubmitted.size < 3 && waited < 10_000; waited += 50)
      await sleep(50)
    await shoppers.stop()
    const ids = shoppers.orders.map((o) => o.id)
    assert.ok(ids.length >= 3, `${ids.length} orders`)
    assert.equal(new Set(ids).size, ids.length)
    const submitted = [...shoppers.checkoutsSubmitted.values()].reduce((a, b) => a + b, 0)
    assert.equal(submitted, ids.length)
    assert.deepEqual([...shoppers.checkoutsSubmitted.keys()].sort(), [...shoppers.emails].sort())
    assert.deepEqual(shoppers.failures(), [])
    assert.equal(shoppers.ok, shoppers.requests.length)
  })

  it('count the failures of a shop that is down, in their time window, and go on after', async () => {
    const shoppers = new Shoppers({ baseUrl, shoppers: 2, label: 'unit', checkOut: true })
    await sleep(200)
    const downAt = Date.now()
    state.down = true
    await sleep(300)
    state.down = false
    const upAt = Date.now()
    const ordersBefore = shoppers.orders.length
    await sleep(1_500) // a failed round pauses a second
    await shoppers.stop()
    const outage = shoppers.between(downAt, upAt)
    assert.ok(outage.failed >= 2, `${outage.failed} failed during the outage`)
    assert.equal(shoppers.failures(downAt, upAt).length, outage.failed)
    assert.match(shoppers.failures(downAt, upAt)[0] ?? '', /^\S+Z (GET|POST) \S+: .*503/)
    assert.equal(shoppers.failures(0, downAt - 1).length, 0)
    assert.ok(shoppers.orders.length > ordersBefore, 'orders again once the shop is back')
  })

  it('only browse and fill the cart without checkOut (the upgrade test)', async () => {
    const shoppers = new Shoppers({ baseUrl, shoppers: 1, label: 'unit', checkOut: false })
    await sleep(200)
    await shoppers.stop()
    const steps = new Set(shoppers.requests.map((r) => r.step))
    assert.deepEqual([...steps].sort(), [
      'GET /',
      'GET /cart',
      'GET /products/2',
      'GET /register',
      'POST /cart/items',
      'POST /register',
    ])
    assert.equal(shoppers.orders.length, 0)
  })
})
