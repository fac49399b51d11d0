import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { metricValue } from '@shopscope/tests/harness'
import { shopFixture } from './shop'

const UNAVAILABLE = /The catalog is temporarily unavailable, please try again in a moment/
const CIRCUIT = 'shopscope_upstream_circuit_state{upstream="product-service"}'

const shop = shopFixture()

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${shop().url}${path}`, { redirect: 'manual' })
  return { status: res.status, body: await res.text() }
}

const circuitState = async () => metricValue((await get('/metrics')).body, CIRCUIT)

describe('the catalog going away and coming back', () => {
  it('serves the home page while product-service is up', async () => {
    const home = await get('/')
    assert.equal(home.status, 200)
    assert.match(home.body, /Laptop Pro/)
    assert.equal(await circuitState(), 0)
  })

  it('answers 503 with a clear message while it is down, and keeps sign-in working', async () => {
    await shop().stopProducts()
    for (let i = 0; i < 4; i++) {
      const home = await get('/')
      assert.equal(home.status, 503)
      assert.match(home.body, UNAVAILABLE)
      assert.doesNotMatch(home.body, /ECONNREFUSED|\.ts:\d+/)
    }
    assert.equal(await circuitState(), 2, 'the circuit is open: calls fail fast')
    assert.equal((await get('/products/1')).status, 503)
    assert.equal((await get('/login')).status, 200)
    assert.equal((await get('/register')).status, 200)
  })

  it('recovers within a few seconds once a new instance listens again', async () => {
    await shop().startProducts()
    const started = Date.now()
    let home = await get('/')
    while (home.status !== 200 && Date.now() - started < 15_000) {
      await new Promise((r) => setTimeout(r, 250))
      home = await get('/')
    }
    const seconds = (Date.now() - started) / 1000
    assert.equal(home.status, 200, `still ${home.status} after ${seconds}s`)
    assert.match(home.body, /Laptop Pro/)
    assert.ok(seconds < 10, `recovered after ${seconds}s`)
    assert.equal(await circuitState(), 0, 'the half-open probe closed the circuit')
  })
})
