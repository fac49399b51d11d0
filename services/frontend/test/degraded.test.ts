import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { metricValue } from '@shopscope/tests/harness'
import { frontendFixture } from './helpers'

const shop = frontendFixture({ products: 'down' })
const get = (url: string) => shop().frontend.app.inject(url)

describe('product-service down', () => {
  it('answers the catalog pages 503 with a friendly page, no stack trace', async () => {
    for (const url of ['/', '/?q=laptop', '/products/1']) {
      const res = await get(url)
      assert.equal(res.statusCode, 503, url)
      assert.match(res.headers['content-type'] as string, /^text\/html/, url)
      assert.equal(res.headers['retry-after'], '5', url)
      assert.match(
        res.body,
        /The catalog is temporarily unavailable, please try again in a moment/,
        url,
      )
      assert.match(res.body, /class="site-header"/, 'inside the normal layout')
      assert.doesNotMatch(res.body, /ECONNREFUSED|product-service is unavailable|\.ts:\d+/, url)
    }
  })

  it('keeps the pages that do not need the catalog working', async () => {
    for (const url of ['/login', '/register', '/static/app.css']) {
      assert.equal((await get(url)).statusCode, 200, url)
    }
  })

  it('opens the circuit and reports it', async () => {
    for (let i = 0; i < 6; i++) await get('/')
    const text = (await get('/metrics')).body
    assert.equal(
      metricValue(text, 'shopscope_upstream_circuit_state{upstream="product-service"}'),
      2,
    )
    assert.equal(metricValue(text, 'shopscope_upstream_circuit_state{upstream="user-service"}'), 0)
  })
})
