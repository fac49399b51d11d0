import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { productServiceFixture } from './helpers'
import { CATALOG, INITIAL_STOCK } from '../src/db/seed'

const svc = productServiceFixture()

describe('GET /api/v1/products', () => {
  it('lists the seeded catalog, first page', async () => {
    const res = await svc().app.inject('/api/v1/products?pageSize=5')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.equal(body.total, CATALOG.length)
    assert.equal(body.items.length, 5)
    assert.deepEqual(
      body.items.map((p: { name: string }) => p.name),
      CATALOG.slice(0, 5).map((p) => p.name),
    )
    assert.equal(body.items[0].price, 1299.99)
    assert.equal(body.items[0].stock, INITIAL_STOCK)
  })

  it('pages and searches', async () => {
    const page2 = (await svc().app.inject('/api/v1/products?page=2&pageSize=5')).json()
    assert.equal(page2.items[0].name, CATALOG[5]?.name)
    const found = (await svc().app.inject('/api/v1/products?q=webcam')).json()
    assert.deepEqual(
      found.items.map((p: { sku: string }) => p.sku),
      ['WEBCAM-HD'],
    )
    assert.equal(found.total, 1)
  })

  it('treats SQL-looking and wildcard searches as plain text', async () => {
    for (const q of ["' OR 1=1 --", '%', '_', "x'); DROP TABLE products; --"]) {
      const res = await svc().app.inject({ url: '/api/v1/products', query: { q } })
      assert.equal(res.statusCode, 200, q)
      assert.equal(res.json().total, 0, q)
    }
    assert.equal((await svc().app.inject('/api/v1/products')).json().total, CATALOG.length)
  })

  it('rejects bad paging with a problem document', async () => {
    const res = await svc().app.inject('/api/v1/products?page=0&pageSize=abc')
    assert.equal(res.statusCode, 400)
    assert.match(res.headers['content-type'] as string, /application\/problem\+json/)
    const fields = res.json().errors.map((e: { field: string }) => e.field)
    assert.ok(fields.includes('querystring.page'), JSON.stringify(fields))
    assert.ok(fields.includes('querystring.pageSize'), JSON.stringify(fields))
  })
})

describe('GET /api/v1/products/:id', () => {
  it('returns one product', async () => {
    const res = await svc().app.inject('/api/v1/products/10')
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().name, 'Webcam HD')
    assert.equal(res.json().price, 49.99)
  })

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const missing = await svc().app.inject('/api/v1/products/999999')
    assert.equal(missing.statusCode, 404)
    assert.equal(missing.json().status, 404)
    const bad = await svc().app.inject('/api/v1/products/1%20OR%201=1')
    assert.equal(bad.statusCode, 400)
  })

  it('answers 400 problem+json for an id not written in digits, never the product', async () => {
    for (const id of ['1%0A', '%201', '1%20', '01', '1.0', '+1', '1e0', '0x1', '0', '2147483648']) {
      const res = await svc().app.inject(`/api/v1/products/${id}`)
      assert.equal(res.statusCode, 400, `${id}: ${res.body}`)
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
      assert.equal(res.json().errors[0].field, 'params.id', res.body)
    }
  })
})

describe('operations', () => {
  it('serves OpenAPI with the product routes', async () => {
    const doc = (await svc().app.inject('/docs/json')).json()
    assert.ok(doc.paths['/api/v1/products/{id}'])
    assert.ok(doc.paths['/api/v1/reservations/{id}'].put)
    assert.equal(doc.paths['/healthz'], undefined)
  })

  it('exposes business and pool metrics', async () => {
    const text = (await svc().app.inject('/metrics')).body
    assert.match(text, /shopscope_db_pool_connections\{state="used"\}/)
    assert.match(text, /# TYPE shopscope_stock_reservations counter/)
    assert.match(text, /nodejs_eventloop_lag_seconds/)
  })
})
