import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Knex } from 'knex'
import { metricValue } from '@shopscope/tests/harness'
import { shopFixture } from './shop'
import { HttpVisitor } from './visitor'

// A checkout budget shorter than order-service's own timeout for product-service (2 s): only the
// budget the frontend passes on can make order-service answer before the frontend gives up.
const shop = shopFixture({ CHECKOUT_TIMEOUT_MS: '1500' })
const SLOW_PRODUCT = 2

const keyOf = (html: string): string => {
  const key = /name="idempotencyKey" value="([^"]+)"/.exec(html)?.[1]
  if (!key) throw new Error('no checkout form on the page')
  return key
}
const orderLinks = (html: string) => html.match(/href="\/orders\/\d+"/g) ?? []
const circuit = async (name: string) =>
  metricValue(
    (await fetch(`${shop().url}/metrics`).then((r) => r.text())) || '',
    `shopscope_upstream_circuit_state{upstream="${name}"}`,
  )

/** product-service's reservations of the product wait on its row lock: its checkouts are slow. */
async function slowCheckouts(): Promise<Knex.Transaction> {
  const lock = await shop().productDb.transaction()
  await lock('products').where({ id: SLOW_PRODUCT }).forUpdate().first('id')
  return lock
}

async function shopper(name: string): Promise<HttpVisitor> {
  const visitor = new HttpVisitor(shop().url)
  await visitor.register(`${name}-${Date.now()}@shopscope.test`)
  return visitor
}

/** Submits a checkout page's form until it is no longer "being processed" (10 s at most). */
async function checkAgain(visitor: HttpVisitor, page: string) {
  const deadline = Date.now() + 10_000
  for (;;) {
    const res = await visitor.post('/checkout', { idempotencyKey: keyOf(page) }, page)
    if (res.status !== 202 || Date.now() > deadline) return res
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** The second shopper's pages, which share the frontend's order-service breaker. */
async function assertPagesUp(bob: HttpVisitor): Promise<void> {
  for (const path of ['/cart', '/orders']) {
    const res = await bob.get(path)
    assert.equal(res.status, 200, `${path}: ${res.body.slice(0, 300)}`)
  }
  assert.equal(await circuit('order-service'), 0)
}

describe('slow checkouts', () => {
  it('a flood from one shopper makes one order of the cart, says it is being processed, and leaves the cart and orders pages up for another shopper', async () => {
    const [ann, bob] = [await shopper('ann'), await shopper('bob')]
    await bob.addToCart(3)
    await ann.addToCart(SLOW_PRODUCT)
    // Twelve checkout pages of one cart, submitted at once (twelve tabs, twelve keys).
    const pages = await Promise.all(Array.from({ length: 12 }, () => ann.get('/checkout')))
    const lock = await slowCheckouts()
    let answers: Awaited<ReturnType<HttpVisitor['post']>>[]
    try {
      const started = Date.now()
      answers = await Promise.all(
        pages.map(({ body }) => ann.post('/checkout', { idempotencyKey: keyOf(body) }, body)),
      )
      const elapsed = Date.now() - started
      await assertPagesUp(bob)
      assert.ok(elapsed < 3_000, `answered after ${elapsed} ms, not within the checkout budget`)
    } finally {
      await lock.commit()
    }
    const processing = answers.filter((a) => a.status === 202)
    assert.equal(processing.length, 1, answers.map((a) => `${a.status} ${a.location}`).join(', '))
    const [pending] = processing
    assert.match(pending!.body, /Your order is being processed/)
    assert.match(pending!.body, /href="\/orders"/)
    for (const other of answers.filter((a) => a.status !== 202)) {
      assert.equal(other.status, 303)
      assert.equal(other.location, '/orders')
    }

    // The page's own form re-submits the same key: safe, it completes the one order.
    const done = await ann.post(
      '/checkout',
      { idempotencyKey: keyOf(pending!.body) },
      pending!.body,
    )
    assert.equal(done.status, 303, done.body)
    assert.match(done.location ?? '', /^\/orders\/\d+$/)
    assert.equal(orderLinks((await ann.get('/orders')).body).length, 1, 'one order of one cart')
    await assertPagesUp(bob)
  })

  it("five shoppers' slow checkouts at once: each answered in time as being processed, the pages stay up", async () => {
    // One after another: user-service hashes one password at a time per address.
    const shoppers: HttpVisitor[] = []
    for (const name of ['cid', 'dee', 'eve', 'fay', 'gus']) shoppers.push(await shopper(name))
    const bob = await shopper('bob')
    const pages: string[] = []
    for (const visitor of shoppers) {
      await visitor.addToCart(SLOW_PRODUCT)
      pages.push((await visitor.get('/checkout')).body)
    }
    const lock = await slowCheckouts()
    try {
      const answers = await Promise.all(
        shoppers.map(async (visitor, i) => {
          const started = Date.now()
          const res = await visitor.post(
            '/checkout',
            { idempotencyKey: keyOf(pages[i]!) },
            pages[i]!,
          )
          return { ...res, ms: Date.now() - started }
        }),
      )
      await assertPagesUp(bob)
      for (const res of answers) {
        assert.equal(res.status, 202, res.body.slice(0, 300))
        assert.ok(res.ms < 2_500, `answered after ${res.ms} ms`)
      }
    } finally {
      await lock.commit()
    }
    for (const [i, visitor] of shoppers.entries()) {
      // "Check again" until it is confirmed: order-service's breaker for product-service may have
      // opened on those slow reservations (product-service really was slow) for a few seconds.
      const res = await checkAgain(visitor, pages[i]!)
      assert.equal(res.status, 303, res.body.slice(0, 300))
      assert.match(res.location ?? '', /^\/orders\/\d+$/)
      assert.equal(orderLinks((await visitor.get('/orders')).body).length, 1)
    }
  })
})
