import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { metricValue } from '@shopscope/tests/harness'
import { login, me, register, userServiceFixture } from './helpers'

// Registers more accounts from one address than it may in a minute, some at once, on a box that
// may be slow: the limits themselves are registration-limit.test.ts's.
const svc = userServiceFixture({
  REGISTRATION_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000',
  PASSWORD_HASHING_MAX_WAIT_MS: '60000',
})
const app = () => svc().app

const alice = { email: 'Alice@Example.com', password: 'correct horse battery', name: 'Alice' }

describe('register, log in, who am I', () => {
  it('creates a customer with a lower-cased email and no secret in the answer', async () => {
    const res = await register(app(), alice)
    assert.equal(res.statusCode, 201)
    const { user, token, expiresIn } = res.json()
    assert.deepEqual(Object.keys(user).sort(), ['email', 'id', 'name', 'role'])
    assert.equal(user.email, 'alice@example.com')
    assert.equal(user.name, 'Alice')
    assert.equal(user.role, 'customer')
    // Signed in by the registration itself: no second password hash through a login.
    assert.equal(expiresIn, 7200)
    assert.deepEqual((await me(app(), token)).json(), user)
  })

  it('logs in with any case of the email and serves /users/me with the token', async () => {
    const res = await login(app(), { email: 'ALICE@example.COM', password: alice.password })
    assert.equal(res.statusCode, 200)
    const session = res.json()
    assert.equal(session.expiresIn, 7200)
    assert.equal(session.user.email, 'alice@example.com')
    assert.equal(session.user.password_hash, undefined)
    const whoami = await me(app(), session.token)
    assert.equal(whoami.statusCode, 200)
    assert.deepEqual(whoami.json(), session.user)
  })

  it('refuses /users/me without a valid token', async () => {
    for (const token of [undefined, '', 'not-a-jwt', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.']) {
      const res = await me(app(), token)
      assert.equal(res.statusCode, 401, String(token))
      assert.match(res.headers['content-type'] as string, /application\/problem\+json/)
      assert.equal(res.json().status, 401)
    }
  })

  it('answers 409 for an email taken in another case, even concurrently', async () => {
    const eve = { email: 'alice@EXAMPLE.com', password: 'eve password', name: 'Eve' }
    const taken = await register(app(), eve)
    assert.equal(taken.statusCode, 409)
    assert.match(taken.headers['content-type'] as string, /application\/problem\+json/)
    assert.equal(taken.json().status, 409)

    const bob = { email: 'bob@example.com', password: 'bob password', name: 'Bob' }
    const results = await Promise.all(
      ['bob@example.com', 'BOB@example.com', 'Bob@Example.com'].map((email, i) =>
        register(app(), { ...bob, email, password: `${bob.password} ${i}` }),
      ),
    )
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 409, 409])
    const [row] = await app().db('users').where({ email: 'bob@example.com' }).count({ n: '*' })
    assert.equal(Number(row?.n), 1)
  })

  it('stores a salted scrypt hash, never the password', async () => {
    await register(app(), { email: 'carol@example.com', password: alice.password, name: 'Carol' })
    const rows = await app()
      .db('users')
      .whereIn('email', ['alice@example.com', 'carol@example.com'])
    assert.equal(rows.length, 2)
    for (const row of rows) {
      assert.match(row.password_hash, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
      assert.ok(!JSON.stringify(row).includes(alice.password))
    }
    // Same password, different salts.
    assert.notEqual(rows[0].password_hash, rows[1].password_hash)
  })
})

describe('bad credentials', () => {
  it('gives the same 401 body for a wrong password and an unknown email', async () => {
    const wrong = await login(app(), { email: alice.email, password: 'wrong password' })
    const unknown = await login(app(), { email: 'nobody@example.com', password: 'wrong password' })
    for (const res of [wrong, unknown]) {
      assert.equal(res.statusCode, 401)
      assert.match(res.headers['content-type'] as string, /application\/problem\+json/)
      assert.equal(res.json().token, undefined)
    }
    const { instance: _a, ...wrongBody } = wrong.json()
    const { instance: _b, ...unknownBody } = unknown.json()
    assert.deepEqual(wrongBody, unknownBody)
  })

  it('takes about as long for an unknown email as for a wrong password', async () => {
    // Interleaved and compared by median, so load on a shared machine hits both sides alike.
    const timed = async (email: string) => {
      const start = process.hrtime.bigint()
      await login(app(), { email, password: 'wrong password' })
      return Number(process.hrtime.bigint() - start) / 1e6
    }
    const known: number[] = []
    const unknown: number[] = []
    for (let i = 0; i < 5; i++) {
      known.push(await timed('carol@example.com'))
      unknown.push(await timed('nobody-else@example.com'))
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2] as number
    const ratio = median(unknown) / median(known)
    assert.ok(ratio > 0.5 && ratio < 2, `known ${known} ms, unknown ${unknown} ms`)
  })
})

describe('metrics', () => {
  it('counts registrations and logins by result', async () => {
    const text = (await app().inject('/metrics')).body
    assert.match(text, /# TYPE shopscope_logins counter/)
    assert.match(text, /# TYPE shopscope_users_registered counter/)
    // alice, one of the bobs, carol.
    assert.equal(metricValue(text, 'shopscope_users_registered_total'), 3)
    assert.equal(metricValue(text, 'shopscope_logins_total{result="success"}'), 1)
    assert.equal(metricValue(text, 'shopscope_logins_total{result="failure"}'), 12)
  })

  it('documents the API without ever exposing the hash', async () => {
    const doc = (await app().inject('/docs/json')).json()
    assert.ok(doc.paths['/api/v1/users'].post)
    assert.ok(doc.paths['/api/v1/sessions'].post)
    assert.ok(doc.paths['/api/v1/users/me'].get)
    assert.ok(!JSON.stringify(doc).includes('password_hash'))
  })
})
