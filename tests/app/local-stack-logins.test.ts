import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  freePort,
  startTestService,
  useMariaDb,
  type MariaDb,
  type TestService,
} from '@shopscope/tests/harness'
import { service as userService } from '../../services/user-service/src/service'
import { service as frontendService } from '../../services/frontend/src/service'
import { LOCAL_SERVICE_ENV } from '../../dev/local/services'

/**
 * On the local stack every shopper connects from 127.0.0.1. One local client that exhausts its
 * login limit must lock out only itself: the frontend runs with the stack's own variables.
 */
let server: MariaDb
let users: TestService
let frontend: TestService
const dead = async () => `http://127.0.0.1:${await freePort()}`
const ivy = { email: 'ivy@example.com', password: 'ivy password' }

before(async () => {
  server = await useMariaDb()
  // The per-address limit (100 a minute by default) made small: the same path, fewer hashes.
  users = await startTestService(userService, server, {
    LOGIN_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '5',
  })
  frontend = await startTestService(frontendService, undefined, {
    ...LOCAL_SERVICE_ENV.frontend,
    USER_SERVICE_URL: await users.app.listen({ port: 0, host: '127.0.0.1' }),
    PRODUCT_SERVICE_URL: await dead(),
    ORDER_SERVICE_URL: await dead(),
  })
  const created = await users.app.inject({
    method: 'POST',
    url: '/api/v1/users',
    payload: { ...ivy, name: 'Ivy' },
  })
  assert.equal(created.statusCode, 201, created.body)
})
after(async () => {
  await frontend?.close()
  await users?.close()
  await server?.stop()
})

/** A sign-in through the frontend from 127.0.0.1, naming `shopper` as the load generators do. */
async function signIn(shopper: string | undefined, email: string, password: string) {
  const headers: Record<string, string> = shopper ? { 'x-forwarded-for': shopper } : {}
  const form = await frontend.app.inject({ url: '/login', remoteAddress: '127.0.0.1', headers })
  const cookie = (form.cookies as { name: string; value: string }[])
    .map((c) => `${c.name}=${c.value}`)
    .join('; ')
  const _csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? ''
  const res = await frontend.app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: '127.0.0.1',
    headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf, email, password }).toString(),
  })
  return res.statusCode
}

describe('the local stack: every shopper on 127.0.0.1', () => {
  it("one client's failed logins lock out that client only", async () => {
    for (let i = 0; i < 5; i++)
      assert.equal(await signIn('198.18.0.1', `nobody${i}@example.com`, 'guess 12345'), 401)
    assert.equal(await signIn('198.18.0.1', ivy.email, ivy.password), 429)
    // Another simulated shopper, and a browser (no header: 127.0.0.1), both on this machine.
    assert.equal(await signIn('198.18.0.2', ivy.email, ivy.password), 303)
    assert.equal(await signIn(undefined, ivy.email, ivy.password), 303)
  })
})
