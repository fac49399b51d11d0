import { after, before } from 'node:test'
import {
  startRestartableService,
  startTestService,
  useMariaDb,
  type MariaDb,
  type RestartableService,
  type TestService,
} from '@shopscope/tests/harness'
import type { FastifyInstance } from 'fastify'
import type { Knex } from 'knex'
import { service as frontendService } from '../../services/frontend/src/service'
import { service as orderService } from '../../services/order-service/src/service'
import { service as productService } from '../../services/product-service/src/service'
import { service as userService } from '../../services/user-service/src/service'

export interface RunningShop {
  /** Where the frontend listens, e.g. http://127.0.0.1:41234 */
  url: string
  /** product-service's database, to arrange stock with SQL. */
  productDb: Knex
  stopProducts(): Promise<void>
  /** A new product-service instance on the same port and database, like a restarted pod. */
  startProducts(): Promise<void>
}

const listen = async (app: FastifyInstance) => app.listen({ port: 0, host: '127.0.0.1' })

/**
 * The whole shop on one throwaway MariaDB: the four services in this process, each on its own
 * loopback port and talking to the others over real HTTP, as in the cluster.
 */
export function shopFixture(frontendEnv: Record<string, string> = {}): () => RunningShop {
  let server: MariaDb
  let products: RestartableService
  const started: TestService[] = []
  let shop: RunningShop

  before(async () => {
    server = await useMariaDb()
    products = await startRestartableService(productService, server)
    const users = await startTestService(userService, server)
    started.push(users)
    const orders = await startTestService(orderService, server, {
      PRODUCT_SERVICE_URL: products.url,
    })
    started.push(orders)
    const frontend = await startTestService(frontendService, undefined, {
      USER_SERVICE_URL: await listen(users.app),
      PRODUCT_SERVICE_URL: products.url,
      ORDER_SERVICE_URL: await listen(orders.app),
      // The browser talks plain HTTP to 127.0.0.1.
      COOKIE_SECURE: 'false',
      ...frontendEnv,
    })
    started.push(frontend)
    shop = {
      url: await listen(frontend.app),
      productDb: products.owner.app.db,
      stopProducts: products.stop,
      startProducts: products.start,
    }
  })

  after(async () => {
    for (const svc of started.reverse()) await svc.close()
    await products?.close()
    await server?.stop()
  })
  return () => shop
}
