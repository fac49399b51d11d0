import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { productServiceFixture } from './helpers'

// The test database starts latin1 (MariaDB's default): the migrations must convert it.
const svc = productServiceFixture()
const app = () => svc().app

describe('Unicode text in the catalog', () => {
  it('answers a search for an emoji with 200 (no match), not 500', async () => {
    const res = await app().inject(`/api/v1/products?q=${encodeURIComponent('😀')}`)
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json().items, [])
  })

  it('stores and finds names beyond Latin-1', async () => {
    const [id] = await app().db('products').insert({
      sku: 'UNI-1',
      name: 'Tasse 😀 茶',
      description: 'Ελληνικά',
      price_cents: 100,
      stock: 1,
    })
    const res = await app().inject(`/api/v1/products?q=${encodeURIComponent('😀')}`)
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(
      res.json().items.map((p: { id: number; name: string }) => [p.id, p.name]),
      [[id, 'Tasse 😀 茶']],
    )
    const one = await app().inject(`/api/v1/products/${id}`)
    assert.equal(one.json().description, 'Ελληνικά')
  })
})
