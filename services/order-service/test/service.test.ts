import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError, loadServiceConfig } from '@shopscope/kit'
import { TEST_ENV } from '@shopscope/tests/harness'
import { shopFixture } from './helpers'
import { service } from '../src/service'

const VALID = {
  DATABASE_URL: 'mysql://u:p@db:3306/orders',
  JWT_SECRET: TEST_ENV.JWT_SECRET,
  ORDER_SERVICE_SIGNING_KEY: TEST_ENV.ORDER_SERVICE_SIGNING_KEY,
  PRODUCT_SERVICE_URL: 'http://product-service:8082',
}

describe('configuration', () => {
  it('defaults the port and the upstream timeout', () => {
    const config = loadServiceConfig(service, VALID)
    assert.equal(config.PORT, 8083)
    assert.equal(config.UPSTREAM_TIMEOUT_MS, 2000)
  })

  it('names every bad variable without echoing secrets', () => {
    assert.throws(
      () =>
        loadServiceConfig(service, {
          ...VALID,
          JWT_SECRET: 'too-short-secret',
          ORDER_SERVICE_SIGNING_KEY: 'short-service-secret',
          PRODUCT_SERVICE_URL: 'product-service',
          UPSTREAM_TIMEOUT_MS: 'soon',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError)
        const names = err.problems.map((p) => p.split(' ')[0])
        assert.deepEqual([...new Set(names)].sort(), [
          'JWT_SECRET',
          'ORDER_SERVICE_SIGNING_KEY',
          'PRODUCT_SERVICE_URL',
          'UPSTREAM_TIMEOUT_MS',
        ])
        assert.doesNotMatch(err.message, /too-short-secret|short-service-secret/)
        return true
      },
    )
  })
})

const shop = shopFixture()

describe('operations', () => {
  it('documents the API with its bearer authentication', async () => {
    const doc = (await shop().orders.app.inject('/docs/json')).json()
    assert.deepEqual(doc.paths['/api/v1/orders'].post.security, [{ bearerAuth: [] }])
    assert.ok(doc.paths['/api/v1/cart/items/{productId}'].put)
    assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer')
    assert.equal(doc.paths['/metrics'], undefined)
  })

  it('exposes the order metrics of docs/telemetry.md before any order', async () => {
    const text = (await shop().orders.app.inject('/metrics')).body
    assert.match(text, /# TYPE shopscope_orders_created counter/)
    assert.match(text, /# TYPE shopscope_order_value_euros histogram/)
    for (const reason of ['out_of_stock', 'empty_cart', 'dependency']) {
      assert.match(text, new RegExp(`shopscope_orders_failed_total\\{reason="${reason}"\\} 0`))
    }
    assert.match(text, /shopscope_upstream_circuit_state\{upstream="product-service"\} 0/)
    assert.match(text, /shopscope_db_up 1/)
  })

  it('is ready with its database, live without it', async () => {
    assert.equal((await shop().orders.app.inject('/readyz')).statusCode, 200)
    assert.equal((await shop().orders.app.inject('/healthz')).statusCode, 200)
  })
})
