import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { buildService } from '@shopscope/kit'
import {
  freePort,
  metricValue,
  startTestService,
  TEST_ENV,
  useMariaDb,
  type MariaDb,
  type TestService,
} from '@shopscope/tests/harness'
import type { FastifyInstance } from 'fastify'
// Test-only: the real product-service, its database down.
import { service as productService } from '../../product-service/src/service'
import { service } from '../src/service'
import { tokenFor } from './helpers'

let server: MariaDb
let products: FastifyInstance
let orders: TestService

before(async () => {
  server = await useMariaDb()
  products = await buildService(productService, {
    ...TEST_ENV,
    LOG_LEVEL: 'error',
    DATABASE_URL: `mysql://shopscope:unused@127.0.0.1:${await freePort()}/gone`,
  })
  const productsUrl = await products.listen({ port: 0, host: '127.0.0.1' })
  orders = await startTestService(service, server, { PRODUCT_SERVICE_URL: productsUrl })
})
after(async () => {
  await orders?.close()
  await products?.close()
  await server?.stop()
})

const CIRCUIT = 'shopscope_upstream_circuit_state{upstream="product-service"}'

describe("product-service's database down", () => {
  it('answers POST /orders 503 naming product-service, keeps the order pending, no open circuit', async () => {
    // The cart was filled while the catalog was up.
    await orders.app.db('cart_items').insert({
      user_id: 1,
      product_id: 2,
      quantity: 2,
      name: 'Souris',
      unit_price_cents: 2999,
    })
    const authorization = `Bearer ${tokenFor(1)}`
    for (let i = 0; i < 8; i++) {
      const res = await orders.app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        headers: { authorization, 'idempotency-key': 'database-down-01' },
      })
      assert.equal(res.statusCode, 503, res.body)
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
      assert.match(String(res.headers['retry-after']), /^[1-9][0-9]*$/)
      const body = res.json()
      assert.equal(body.type, 'https://shopscope.dev/problems/dependency-unavailable')
      assert.equal(body.reason, 'dependency_unavailable')
      assert.equal(body.dependency, 'product-service')
    }
    const rows = (await orders.app.db('orders').where({ user_id: 1 })) as { status: string }[]
    assert.deepEqual(
      rows.map((r) => r.status),
      ['pending'],
    )
    const text = (await orders.app.inject('/metrics')).body
    assert.equal(metricValue(text, CIRCUIT), 0, 'a failure passed on is not product-service down')
  })
})
