import { serviceTokenMinter } from '@shopscope/kit'
import {
  startTestService,
  TEST_ENV,
  useMariaDb,
  type MariaDb,
  type TestService,
} from '@shopscope/tests/harness'
import type { FastifyInstance } from 'fastify'
import { service as frontendService } from '../../services/frontend/src/service'
import { service as orderService } from '../../services/order-service/src/service'
import { service as productService } from '../../services/product-service/src/service'
import { service as userService } from '../../services/user-service/src/service'

/** A service listening on loopback, and the headers every fuzzed request carries. */
export interface FuzzTarget {
  name: string
  url: string
  headers: Record<string, string>
  /** Fewer checks than the default (schemathesis.ts CHECKS), for the HTML frontend. */
  checks?: string[]
}

export interface FuzzStack {
  targets: FuzzTarget[]
  close(): Promise<void>
}

const listen = (app: FastifyInstance) => app.listen({ port: 0, host: '127.0.0.1' })

/** Registers a shopper over HTTP: the answer carries the token, as it does for the frontend. */
async function shopperToken(usersUrl: string): Promise<string> {
  const shopper = { email: 'fuzz@shopscope.test', password: 'fuzz-password-1', name: 'Fuzz' }
  const post = (path: string, body: object) =>
    fetch(`${usersUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const registered = await post('/api/v1/users', shopper)
  if (registered.status !== 201) throw new Error(`registration: ${registered.status}`)
  return ((await registered.json()) as { token: string }).token
}

/** The four services on one throwaway MariaDB, each on its own port, as in the cluster. */
export async function startFuzzStack(): Promise<FuzzStack> {
  const server: MariaDb = await useMariaDb()
  const started: TestService[] = []
  const close = async () => {
    for (const svc of started.reverse()) await svc.close()
    await server.stop()
  }
  try {
    const products = await startTestService(productService, server)
    started.push(products)
    const productsUrl = await listen(products.app)
    const users = await startTestService(userService, server)
    started.push(users)
    const usersUrl = await listen(users.app)
    const orders = await startTestService(orderService, server, {
      PRODUCT_SERVICE_URL: productsUrl,
    })
    started.push(orders)
    const ordersUrl = await listen(orders.app)
    const frontend = await startTestService(frontendService, undefined, {
      USER_SERVICE_URL: usersUrl,
      PRODUCT_SERVICE_URL: productsUrl,
      ORDER_SERVICE_URL: ordersUrl,
      COOKIE_SECURE: 'false',
    })
    started.push(frontend)
    const frontendUrl = await listen(frontend.app)
    const bearer = { authorization: `Bearer ${await shopperToken(usersUrl)}` }
    // The reservation routes answer order-service only; the catalog ignores the token.
    const mint = serviceTokenMinter(TEST_ENV.ORDER_SERVICE_SIGNING_KEY, 'order-service')
    return {
      targets: [
        { name: 'user-service', url: usersUrl, headers: bearer },
        {
          name: 'product-service',
          url: productsUrl,
          headers: { authorization: `Bearer ${mint('product-service')}` },
        },
        { name: 'order-service', url: ordersUrl, headers: bearer },
        // Pages have no response schemas: only "never a 5xx". Anonymous, so its form posts stop
        // at the CSRF check; the pages and their path and query parameters are fuzzed in full.
        { name: 'frontend', url: frontendUrl, headers: {}, checks: ['not_a_server_error'] },
      ],
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}
