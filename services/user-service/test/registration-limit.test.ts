import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { CLIENT_IP_HEADER, serviceTokenMinter } from '@shopscope/kit'
import { metricValue, TEST_ENV } from '@shopscope/tests/harness'
import { login, register, userServiceFixture } from './helpers'

const svc = userServiceFixture({
  REGISTRATION_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '3',
  // One sign-up hashing at a time and one waiting, as long as it takes (this box may be slow).
  PASSWORD_HASHING_CONCURRENCY: '1',
  PASSWORD_HASHING_QUEUE: '1',
  PASSWORD_HASHING_MAX_WAIT_MS: '60000',
})
const app = () => svc().app

const signUp = (address: string, n: string, headers: Record<string, string> = {}) =>
  app().inject({
    method: 'POST',
    url: '/api/v1/users',
    remoteAddress: address,
    headers,
    payload: { email: `${n}@example.com`, password: `${n} password`, name: n },
  })

const accounts = async () => Number((await svc().app.db('users').count({ n: '*' }))[0]?.n)

describe('registration limits', () => {
  it('limits a registration burst from one address: 429 problem+json with Retry-After', async () => {
    for (let i = 0; i < 3; i++)
      assert.equal((await signUp('203.0.113.5', `burst${i}`)).statusCode, 201)
    const limited = await signUp('203.0.113.5', 'burst3')
    assert.equal(limited.statusCode, 429)
    assert.match(limited.headers['content-type'] as string, /application\/problem\+json/)
    const retryAfter = Number(limited.headers['retry-after'])
    assert.ok(retryAfter > 0 && retryAfter <= 60, `retry-after ${retryAfter}`)
    assert.equal(limited.json().reason, 'too_many_attempts')
    assert.match(limited.json().detail, /Too many sign-ups/)
    // Only that address: another one still signs up.
    assert.equal((await signUp('203.0.113.6', 'other')).statusCode, 201)
  })

  it("keys on the shopper address the frontend forwards, not on the frontend's", async () => {
    const frontend = (shopper: string) => ({
      authorization: `Bearer ${serviceTokenMinter(TEST_ENV.FRONTEND_SIGNING_KEY, 'frontend')('user-service')}`,
      [CLIENT_IP_HEADER]: shopper,
    })
    for (let i = 0; i < 3; i++)
      assert.equal((await signUp('10.9.9.9', `fwd${i}`, frontend('198.51.100.1'))).statusCode, 201)
    assert.equal((await signUp('10.9.9.9', 'fwd3', frontend('198.51.100.1'))).statusCode, 429)
    assert.equal((await signUp('10.9.9.9', 'fwd4', frontend('198.51.100.2'))).statusCode, 201)
  })

  it('refuses a burst beyond the hashing bound before doing any work', async () => {
    const before = await accounts()
    const burst = await Promise.all(
      Array.from({ length: 6 }, (_, i) => signUp(`192.0.2.${i + 1}`, `gate${i}`)),
    )
    const created = burst.filter((res) => res.statusCode === 201)
    const refused = burst.filter((res) => res.statusCode === 429)
    assert.equal(created.length + refused.length, 6, burst.map((r) => r.statusCode).join())
    assert.ok(refused.length >= 1, 'one hashing and one waiting: the others are refused')
    for (const res of refused) {
      assert.equal(res.json().reason, 'too_busy')
      assert.ok(Number(res.headers['retry-after']) > 0)
    }
    // Exactly the answered accounts exist: a refusal never created one.
    assert.equal((await accounts()) - before, created.length)
  })

  it('a retried registration signs in (same password) instead of answering 409', async () => {
    const first = await signUp('192.0.2.100', 'retry')
    assert.equal(first.statusCode, 201)
    const again = await signUp('192.0.2.100', 'retry')
    assert.equal(again.statusCode, 200, again.body)
    assert.equal(again.json().user.id, first.json().user.id)
    assert.ok(again.json().token)
    const taken = await register(app(), {
      email: 'retry@example.com',
      password: 'another password',
      name: 'Mallory',
    })
    assert.equal(taken.statusCode, 409)
  })
})

describe('a registration whose caller gave up', () => {
  const hashing = async () =>
    metricValue(
      (await svc().app.inject('/metrics')).body,
      'shopscope_password_hashing{kind="registration",state="running"}',
    )
  const until = async (what: string, ok: () => Promise<boolean>) => {
    const deadline = Date.now() + 60_000
    while (!(await ok())) {
      assert.ok(Date.now() < deadline, what)
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  it('creates no account (the frontend timed out and told the shopper so)', async () => {
    const url = new URL('/api/v1/users', await svc().app.listen({ port: 0, host: '127.0.0.1' }))
    const body = JSON.stringify({ email: 'gone@example.com', password: 'gone password', name: 'G' })
    const gone = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    })
    gone.on('error', () => {})
    gone.end(body)
    await until('the registration never started hashing', async () => (await hashing()) === 1)
    gone.destroy()
    await until('the registration never finished', async () => (await hashing()) === 0)
    const res = await login(svc().app, { email: 'gone@example.com', password: 'gone password' })
    assert.equal(res.statusCode, 401, 'the account of a registration nobody waited for exists')
  })
})
