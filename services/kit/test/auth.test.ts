import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { createSigner } from 'fast-jwt'
import { requireUser, tokenSigner, tokenVerifier } from '../src'
import { errorHandler } from '../src/problem'

const SECRET = 'auth-test-secret-auth-test-secret-0123'
const ISS = 'shopscope-user-service'
const verify = tokenVerifier(SECRET)
const nowSeconds = () => Math.floor(Date.now() / 1000)

/** Signs whatever claims a test needs, with the right key: only the claims are wrong. */
function forge(claims: Record<string, unknown>, algorithm: 'HS256' | 'HS512' = 'HS256'): string {
  return createSigner({ key: SECRET, algorithm, noTimestamp: claims.iat === undefined })(claims)
}
const valid = { iss: ISS, sub: '42', email: 'a@b.test', role: 'customer', iat: nowSeconds() - 60 }
const inAnHour = () => nowSeconds() + 3600

describe('user token verification', () => {
  it('accepts what tokenSigner signs', () => {
    const user = { id: 7, email: 'c@d.test', role: 'admin' as const }
    assert.deepEqual(verify(tokenSigner(SECRET)(user)), user)
    assert.deepEqual(verify(forge({ ...valid, exp: inAnHour() })), {
      id: 42,
      email: 'a@b.test',
      role: 'customer',
    })
  })

  const refused: [string, Record<string, unknown>][] = [
    ['no exp (valid forever)', { ...valid }],
    ['expired beyond the leeway', { ...valid, exp: nowSeconds() - 120 }],
    ['not valid before a future nbf', { ...valid, exp: inAnHour(), nbf: nowSeconds() + 600 }],
    ['another issuer', { ...valid, iss: 'someone-else', exp: inAnHour() }],
    [
      'no issuer',
      { sub: '42', email: 'a@b.test', role: 'customer', iat: nowSeconds(), exp: inAnHour() },
    ],
    [
      'no sub',
      { iss: ISS, email: 'a@b.test', role: 'customer', iat: nowSeconds(), exp: inAnHour() },
    ],
    ['a non-numeric sub', { ...valid, sub: 'admin', exp: inAnHour() }],
    ['a numeric sub that is no id', { ...valid, sub: '1e3', exp: inAnHour() }],
    ['sub 0', { ...valid, sub: '0', exp: inAnHour() }],
    ['a sub beyond the id range', { ...valid, sub: '99999999999', exp: inAnHour() }],
    ['a sub that is a number, not a string', { ...valid, sub: 42, exp: inAnHour() }],
    ['an unknown role', { ...valid, role: 'root', exp: inAnHour() }],
    ['no email', { iss: ISS, sub: '42', role: 'customer', iat: nowSeconds(), exp: inAnHour() }],
    ['no iat', { iss: ISS, sub: '42', email: 'a@b.test', role: 'customer', exp: inAnHour() }],
    ['an exp of 1e20', { ...valid, iat: nowSeconds(), exp: 1e20 }],
    ['a life longer than a session', { ...valid, iat: nowSeconds(), exp: nowSeconds() + 7201 }],
    ['issued beyond the clock skew', { ...valid, iat: nowSeconds() + 120, exp: inAnHour() }],
  ]
  for (const [name, claims] of refused) {
    it(`refuses ${name}`, () => assert.throws(() => verify(forge(claims))))
  }

  it('tolerates a few seconds of clock skew on exp', () => {
    assert.equal(verify(forge({ ...valid, exp: nowSeconds() - 5 })).id, 42)
  })

  it('refuses an exp that JSON reads as Infinity (1e400)', () => {
    const [header, , signature] = forge({ ...valid, iat: nowSeconds(), exp: 1 }).split('.')
    const payload = `{"iss":"${ISS}","sub":"42","email":"a@b.test","role":"customer","iat":${nowSeconds()},"exp":1e400}`
    const unsigned = `${header}.${Buffer.from(payload).toString('base64url')}`
    const signed = `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`
    assert.ok(signature)
    assert.throws(() => verify(signed))
  })

  it('refuses another algorithm, even with the right key', () => {
    assert.throws(() => verify(forge({ ...valid, exp: inAnHour() }, 'HS512')))
  })

  it('refuses an unsigned token (alg none)', () => {
    const unsigned = createSigner({ algorithm: 'none' })({ ...valid, exp: inAnHour() })
    assert.throws(() => verify(unsigned))
  })
})

describe('requireUser answers 401 problems, never 500', () => {
  let app: FastifyInstance
  before(async () => {
    app = Fastify()
    app.setErrorHandler(errorHandler)
    // Like a real route: the user id goes straight into a query.
    app.get('/me', { preHandler: requireUser(verify) }, async (request) => {
      if (!Number.isSafeInteger(request.user?.id)) throw new Error('id is not a number')
      return { id: request.user?.id }
    })
    await app.ready()
  })
  after(() => app.close())

  const me = (token?: string) =>
    app.inject({
      url: '/me',
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    })

  it('a valid token passes', async () => {
    const res = await me(forge({ ...valid, exp: inAnHour() }))
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json(), { id: 42 })
  })

  for (const [name, claims] of [
    ['no exp', { ...valid }],
    [
      'no sub',
      { iss: ISS, email: 'a@b.test', role: 'customer', iat: nowSeconds(), exp: inAnHour() },
    ],
    ['a non-numeric sub', { ...valid, sub: 'abc', exp: inAnHour() }],
  ] as const) {
    it(`a token with ${name} → 401 invalid_token`, async () => {
      const res = await me(forge(claims))
      assert.equal(res.statusCode, 401, res.body)
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
      assert.equal(res.json().reason, 'invalid_token')
      assert.equal(res.json().type, 'https://shopscope.dev/problems/invalid-token')
    })
  }

  it('no token → 401 token_required', async () => {
    const res = await me()
    assert.equal(res.statusCode, 401)
    assert.equal(res.json().reason, 'token_required')
  })

  it('garbage → 401', async () => {
    const res = await me('not.a.jwt')
    assert.equal(res.statusCode, 401)
    assert.equal(res.json().reason, 'invalid_token')
  })
})
