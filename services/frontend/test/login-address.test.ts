import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  startTestService,
  useMariaDb,
  type MariaDb,
  type TestService,
} from '@shopscope/tests/harness'
// Test-only: the real user-service runs in-process, not a mock of it.
import { service as userService } from '../../user-service/src/service'
import { service } from '../src/service'
import { csrfOf, deadUrl } from './helpers'

let server: MariaDb
let users: TestService
let frontend: TestService

before(async () => {
  server = await useMariaDb()
  users = await startTestService(userService, server, { LOGIN_RATE_LIMIT_PER_MINUTE: '3' })
  frontend = await startTestService(service, undefined, {
    USER_SERVICE_URL: await users.app.listen({ port: 0, host: '127.0.0.1' }),
    PRODUCT_SERVICE_URL: await deadUrl(),
    ORDER_SERVICE_URL: await deadUrl(),
    // The shoppers below arrive through a proxy on loopback, as through an ingress.
    TRUST_PROXY: 'loopback',
  })
})
after(async () => {
  await frontend?.close()
  await users?.close()
  await server?.stop()
})

/** A sign-in through the frontend's form by a shopper at `address`. */
async function signIn(address: string, email: string, password: string): Promise<number> {
  const headers = { 'x-forwarded-for': address }
  const form = await frontend.app.inject({ url: '/login', remoteAddress: '127.0.0.1', headers })
  const cookie = (form.cookies as { name: string; value: string }[])
    .map((c) => `${c.name}=${c.value}`)
    .join('; ')
  const res = await frontend.app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: '127.0.0.1',
    headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrfOf(form.body), email, password }).toString(),
  })
  return res.statusCode
}

describe('sign-in rate limit behind the frontend', () => {
  it("an attacker hammering an account does not lock its owner out from the owner's address", async () => {
    const owner = { email: 'heidi@example.com', password: 'heidi password' }
    const created = await users.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { ...owner, name: 'Heidi' },
    })
    assert.equal(created.statusCode, 201, created.body)

    for (let i = 0; i < 3; i++)
      assert.equal(await signIn('203.0.113.66', owner.email, `wrong guess ${i}`), 401)
    assert.equal(await signIn('203.0.113.66', owner.email, 'wrong guess 3'), 429)
    // Every request reached user-service from the frontend's one address, yet:
    assert.equal(await signIn('198.51.100.7', owner.email, owner.password), 303)
  })
})
