import { after, before } from 'node:test'
import { tokenSigner } from '@shopscope/kit'
import {
  startRestartableService,
  startTestService,
  TEST_ENV,
  useMariaDb,
  type MariaDb,
  type RestartableService,
  type TestService,
} from '@shopscope/tests/harness'
import type { InjectOptions } from 'fastify'
import type { Knex } from 'knex'
// Test-only: the real product-service runs in-process, not a mock of it.
import { service as productService } from '../../product-service/src/service'
import { service } from '../src/service'

export interface Shop {
  orders: TestService
  /** product-service's database, for arranging and checking stock with SQL. */
  productDb: Knex
  /** Base URL of the served product-service. */
  productsUrl: string
  stopProducts(): Promise<void>
  startProducts(): Promise<void>
}

const sign = tokenSigner(TEST_ENV.JWT_SECRET)
export const tokenFor = (userId: number): string =>
  sign({ id: userId, email: `user${userId}@shopscope.test`, role: 'customer' })

/**
 * A MariaDB, a real product-service listening on a fixed loopback port, and the order-service
 * under test pointing at it; one fresh pair of databases per test file.
 */
export function shopFixture(): () => Shop {
  let server: MariaDb
  let products: RestartableService
  let shop: Shop

  before(async () => {
    server = await useMariaDb()
    products = await startRestartableService(productService, server)
    const orders = await startTestService(service, server, {
      PRODUCT_SERVICE_URL: products.url,
      UPSTREAM_TIMEOUT_MS: '10000',
    })
    shop = {
      orders,
      productDb: products.owner.app.db,
      productsUrl: products.url,
      stopProducts: products.stop,
      startProducts: products.start,
    }
  })
  after(async () => {
    await shop?.orders.close()
    await products?.close()
    await server?.stop()
  })
  return () => shop
}

/** An authenticated request to order-service as `userId`. */
export function asUser(shop: Shop, userId: number) {
  const authorization = `Bearer ${tokenFor(userId)}`
  return (options: InjectOptions) =>
    shop.orders.app.inject({ ...options, headers: { authorization, ...options.headers } })
}

export async function stockOf(shop: Shop, productId: number): Promise<number> {
  const row = (await shop.productDb('products').where({ id: productId }).first('stock')) as {
    stock: number
  }
  return row.stock
}

export async function setStock(shop: Shop, productId: number, stock: number): Promise<void> {
  await shop.productDb('products').where({ id: productId }).update({ stock })
}
