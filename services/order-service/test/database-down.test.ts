import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildService } from '@shopscope/kit'
import {
  assertDependencyUnavailable,
  deadDatabaseUrl,
  freePort,
  TEST_ENV,
} from '@shopscope/tests/harness'
import { service } from '../src/service'
import { tokenFor } from './helpers'

let app: FastifyInstance
before(async () => {
  app = await buildService(service, {
    ...TEST_ENV,
    LOG_LEVEL: 'error',
    DATABASE_URL: await deadDatabaseUrl(),
    PRODUCT_SERVICE_URL: `http://127.0.0.1:${await freePort()}`,
  })
  await app.ready()
})
after(() => app.close())

const headers = { authorization: `Bearer ${tokenFor(1)}` }

describe('order-service with its database down', () => {
  it('answers the cart with 503 dependency-unavailable, not 500', async () => {
    assertDependencyUnavailable(await app.inject({ url: '/api/v1/cart', headers }), 'database')
  })

  it('answers the order list and an order with 503', async () => {
    assertDependencyUnavailable(await app.inject({ url: '/api/v1/orders', headers }), 'database')
    assertDependencyUnavailable(await app.inject({ url: '/api/v1/orders/1', headers }), 'database')
  })

  it('answers a checkout with 503', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { ...headers, 'idempotency-key': 'checkout-db-down-0001' },
    })
    assertDependencyUnavailable(res, 'database')
  })
})
