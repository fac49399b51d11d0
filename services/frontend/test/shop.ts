import { after, before } from 'node:test'
import {
  startTestService,
  useMariaDb,
  type MariaDb,
  type TestService,
} from '@shopscope/tests/harness'
import type { FastifyInstance } from 'fastify'
// Test-only: the real services run in-process, not mocks of them.
import { service as orderService } from '../../order-service/src/service'
import { service as productService } from '../../product-service/src/service'
import { service as userService } from '../../user-service/src/service'
import { service } from '../src/service'
import { csrfOf, Visitor } from './helpers'

export const SHOPPER = { name: 'Ada', email: 'ada@shopscope.test', password: 'ada password 1' }

export interface SignedInShop {
  frontend: FastifyInstance
  /** A new browser signed in as SHOPPER through the login form. */
  signIn(): Promise<Visitor>
}

const listen = (app: FastifyInstance) => app.listen({ port: 0, host: '127.0.0.1' })

/** The frontend in front of the real user, product and order services, with SHOPPER registered. */
export function signedInShop(): () => SignedInShop {
  let server: MariaDb
  const started: TestService[] = []
  let shop: SignedInShop
  before(async () => {
    server = await useMariaDb()
    const start = async (starting: Promise<TestService>) => {
      const svc = await starting
      started.push(svc)
      return svc
    }
    const products = await start(startTestService(productService, server))
    const productsUrl = await listen(products.app)
    // Many sign-ins of the one shopper: the sign-in limit is not what these tests are about.
    const users = await start(
      startTestService(userService, server, { LOGIN_RATE_LIMIT_PER_MINUTE: '1000' }),
    )
    const orders = await start(
      startTestService(orderService, server, { PRODUCT_SERVICE_URL: productsUrl }),
    )
    const frontend = await start(
      startTestService(service, undefined, {
        USER_SERVICE_URL: await listen(users.app),
        PRODUCT_SERVICE_URL: productsUrl,
        ORDER_SERVICE_URL: await listen(orders.app),
      }),
    )
    const created = await users.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: SHOPPER,
    })
    if (created.statusCode !== 201) throw new Error(`registration: ${created.body}`)
    shop = {
      frontend: frontend.app,
      async signIn() {
        const browser = new Visitor(frontend.app)
        const form = await browser.get('/login')
        const res = await browser.post('/login', {
          _csrf: csrfOf(form.body),
          email: SHOPPER.email,
          password: SHOPPER.password,
        })
        if (res.statusCode !== 303) throw new Error(`sign-in: ${res.statusCode}`)
        return browser
      },
    }
  })
  after(async () => {
    for (const svc of started.reverse()) await svc.close()
    await server?.stop()
  })
  return () => shop
}
