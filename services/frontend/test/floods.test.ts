import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  metricValue,
  startTestService,
  useMariaDb,
  type MariaDb,
  type TestService,
} from '@shopscope/tests/harness'
// Test-only: the real user-service and product-service run in-process, not mocks of them.
import { service as userService } from '../../user-service/src/service'
import { service as productService } from '../../product-service/src/service'
import { service } from '../src/service'
import { csrfOf, deadUrl, Visitor } from './helpers'

/**
 * One client cannot take a page down for others: while one address floods sign-ups or failed
 * sign-ins (bounded: 40 and 60 requests at once), a shopper at another address signs in and
 * browses. Every service runs with its production defaults (limits, timeouts, breakers).
 */
let server: MariaDb
let users: TestService
let products: TestService
let frontend: TestService

const grace = { email: 'grace@example.com', password: 'grace password' }

before(async () => {
  server = await useMariaDb()
  users = await startTestService(userService, server)
  products = await startTestService(productService, server)
  frontend = await startTestService(service, undefined, {
    USER_SERVICE_URL: await users.app.listen({ port: 0, host: '127.0.0.1' }),
    PRODUCT_SERVICE_URL: await products.app.listen({ port: 0, host: '127.0.0.1' }),
    ORDER_SERVICE_URL: await deadUrl(),
    // Shoppers arrive through a proxy on loopback, as through an ingress.
    TRUST_PROXY: 'loopback',
  })
  const created = await users.app.inject({
    method: 'POST',
    url: '/api/v1/users',
    remoteAddress: '198.51.100.7',
    payload: { ...grace, name: 'Grace' },
  })
  assert.equal(created.statusCode, 201, created.body)
})
after(async () => {
  await frontend?.close()
  await users?.close()
  await products?.close()
  await server?.stop()
})

const at = (address: string) => new Visitor(frontend.app, { 'x-forwarded-for': address })

/** Grace, from her own address, signs in anew and opens the catalog, three times over. */
async function graceShops(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const grace_ = at('198.51.100.7')
    const _csrf = csrfOf((await grace_.get('/login')).body)
    const signIn = await grace_.post('/login', { _csrf, ...grace })
    assert.equal(signIn.statusCode, 303, `sign-in ${round}: ${signIn.statusCode}`)
    const home = await grace_.get('/')
    assert.equal(home.statusCode, 200, `catalog ${round}: ${home.statusCode}`)
    assert.match(home.body, /Sign out/)
  }
}

const tally = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((all, s) => ({ ...all, [s]: (all[s] ?? 0) + 1 }), {})

/** Every flood request is answered soon: refused at once, or after a bounded wait for a slot. */
const assertQuick = (started: number) => {
  const seconds = (Date.now() - started) / 1000
  assert.ok(seconds < 60, `the flood took ${seconds} s to be answered`)
}

const circuit = async () =>
  metricValue(
    (await frontend.app.inject('/metrics')).body,
    'shopscope_upstream_circuit_state{upstream="user-service"}',
  )

describe('one client cannot take a page down for others', () => {
  it('a sign-up flood from one address: limited, and another shopper signs in and browses', async () => {
    const flood = at('203.0.113.66')
    const _csrf = csrfOf((await flood.get('/register')).body)
    const started = Date.now()
    const signUps = Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const form = { _csrf, name: 'Flo', email: `flood${i}@example.com`, password: 'flood pass' }
        return (await flood.post('/register', form)).statusCode
      }),
    )
    await graceShops()
    const statuses = await signUps
    assertQuick(started)
    const seen = tally(statuses)
    // Created (303), over the address's limit (429), or refused at once while busy (503).
    assert.deepEqual(
      Object.keys(seen).filter((s) => !['303', '429', '503'].includes(s)),
      [],
      JSON.stringify(seen),
    )
    assert.ok((seen[429] ?? 0) >= 30, `10 a minute from one address: ${JSON.stringify(seen)}`)
    assert.equal(await circuit(), 0)
  })

  it('a failed sign-in flood from one address: another shopper still signs in', async () => {
    const flood = at('203.0.113.77')
    const _csrf = csrfOf((await flood.get('/login')).body)
    const started = Date.now()
    const guesses = Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const form = { _csrf, email: grace.email, password: `wrong guess ${i}` }
        return (await flood.post('/login', form)).statusCode
      }),
    )
    await graceShops()
    const seen = tally(await guesses)
    assertQuick(started)
    assert.deepEqual(
      Object.keys(seen).filter((s) => !['401', '429', '503'].includes(s)),
      [],
      JSON.stringify(seen),
    )
    assert.ok((seen[429] ?? 0) >= 50, `10 a minute per account: ${JSON.stringify(seen)}`)
    assert.equal(await circuit(), 0)
  })
})
