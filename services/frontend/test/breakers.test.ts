import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Cart, PassedOnProblem, ProductPage, Session } from '@shopscope/contracts'
import { metricValue } from '@shopscope/tests/harness'
import { csrfOf, frontendFixture, Visitor } from './helpers'

/**
 * A client's request must never be able to open a breaker. One fake upstream stands in for the
 * three services (answers typed by their contracts): product-service fails with a 500 on one
 * search, order-service passes product-service's outage on while `ordersDown` is set.
 */
let upstream: Server
let ordersDown = false
/** user-service's sign-ups never answer (a burst it cannot keep up with). */
let signUpsHang = false
/** user-service's sign-ins are shed: its hashing gate is full. */
let signInsBusy = false

const PAGE: ProductPage = { items: [], page: 1, pageSize: 12, total: 0 }
const CART: Cart = { items: [], itemCount: 0, total: 0 }
const GRANT: Session = {
  token: 'token',
  expiresIn: 3600,
  user: { id: 1, email: 'ann@shopscope.test', name: 'Ann', role: 'customer' },
}
const PASSED_ON: PassedOnProblem = {
  type: 'https://shopscope.dev/problems/dependency-unavailable',
  title: 'Service Unavailable',
  status: 503,
  reason: 'dependency_unavailable',
  dependency: 'product-service',
}
const BUG = { type: 'about:blank', title: 'Internal Server Error', status: 500 }
const BUSY = {
  type: 'https://shopscope.dev/problems/too-busy',
  title: 'Too Many Requests',
  status: 429,
  reason: 'too_busy',
}

function answer(url: string): [number, unknown] {
  if (url.startsWith('/api/v1/sessions')) return signInsBusy ? [429, BUSY] : [200, GRANT]
  if (url.startsWith('/api/v1/products')) return url.includes('q=boom') ? [500, BUG] : [200, PAGE]
  if (url.startsWith('/api/v1/cart')) return ordersDown ? [503, PASSED_ON] : [200, CART]
  return [404, { type: 'about:blank', title: 'Not Found', status: 404 }]
}

before(async () => {
  upstream = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (signUpsHang && req.url === '/api/v1/users') return
      const [status, body] = answer(req.url ?? '')
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    })
  })
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
})
after(() => {
  upstream.closeAllConnections()
  upstream.close()
})

const upstreamUrl = () => `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
// Getters: the fixture reads the URLs in its own before hook, once the fake upstream listens.
const shop = frontendFixture({
  products: 'down',
  env: {
    get PRODUCT_SERVICE_URL() {
      return upstreamUrl()
    },
    get ORDER_SERVICE_URL() {
      return upstreamUrl()
    },
    get USER_SERVICE_URL() {
      return upstreamUrl()
    },
    CREDENTIALS_TIMEOUT_MS: '300',
  },
})

const circuit = async (name: string) =>
  metricValue(
    (await shop().frontend.app.inject('/metrics')).body,
    `shopscope_upstream_circuit_state{upstream="${name}"}`,
  )

describe('circuit breakers and failures that are not the upstream being down', () => {
  it('a search that makes product-service answer 500 cannot take the catalog offline', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await shop().frontend.app.inject('/?q=boom')
      assert.equal(res.statusCode, 502)
      assert.match(res.headers['content-type'] as string, /^text\/html/)
      assert.match(res.body, /Something went wrong on our side/)
    }
    assert.equal(await circuit('product-service'), 0)
    assert.equal((await shop().frontend.app.inject('/')).statusCode, 200)
  })

  it("order-service passing on product-service's outage does not open its breaker", async () => {
    const shopper = new Visitor(shop().frontend.app)
    const login = await shopper.post('/login', {
      _csrf: csrfOf((await shopper.get('/login')).body),
      email: GRANT.user.email,
      password: 'correct horse',
    })
    assert.equal(login.statusCode, 303)
    ordersDown = true
    for (let i = 0; i < 10; i++) {
      const res = await shopper.get('/cart')
      assert.equal(res.statusCode, 503)
      assert.equal(res.headers['retry-after'], '5')
      assert.match(res.body, /Your cart and orders are temporarily unavailable/)
    }
    assert.equal(await circuit('order-service'), 0)
    ordersDown = false
    assert.equal((await shopper.get('/cart')).statusCode, 200, 'back at once: no open circuit')
  })
})

describe('sign-up floods and sign-ins', () => {
  const signIn = async () => {
    const shopper = new Visitor(shop().frontend.app)
    return shopper.post('/login', {
      _csrf: csrfOf((await shopper.get('/login')).body),
      email: GRANT.user.email,
      password: 'correct horse',
    })
  }

  it('sign-ups timing out open only their own breaker: signing in still works', async () => {
    signUpsHang = true
    const visitor = new Visitor(shop().frontend.app)
    const _csrf = csrfOf((await visitor.get('/register')).body)
    for (let i = 0; i < 6; i++) {
      const form = { _csrf, name: 'Flo', email: `flo${i}@example.com`, password: 'flo password' }
      const res = await visitor.post('/register', form)
      assert.equal(res.statusCode, 503)
      assert.equal(res.headers['retry-after'], '5')
      // The form again, saying what happened: user-service makes nothing for a caller that left.
      assert.match(res.body, /so none was created/)
      assert.match(res.body, new RegExp(`value="flo${i}@example.com"`))
    }
    signUpsHang = false
    assert.equal(await circuit('user-service'), 2, 'the sign-up breaker is open')
    assert.equal((await signIn()).statusCode, 303)
  })

  it('user-service shedding sign-ins (429 too_busy) opens no breaker: a page saying so', async () => {
    signInsBusy = true
    for (let i = 0; i < 10; i++) {
      const res = await signIn()
      assert.equal(res.statusCode, 503)
      assert.equal(res.headers['retry-after'], '5')
      assert.match(res.body, /Many people are signing in right now/)
    }
    signInsBusy = false
    assert.equal((await signIn()).statusCode, 303, 'back at once: no open circuit')
  })
})
