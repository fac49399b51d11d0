import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import Fastify, { type FastifyInstance } from 'fastify'
import { createSigner } from 'fast-jwt'
import {
  loadConfig,
  requireService,
  serviceAuthorization,
  ServiceTokenEnv,
  serviceTokenMinter,
  serviceTokenVerifier,
  tokenSigner,
} from '../src'
import { errorHandler } from '../src/problem'

const SECRET = 'service-test-secret-service-test-secret-01'
const nowSeconds = () => Math.floor(Date.now() / 1000)
const verify = serviceTokenVerifier(SECRET, 'product-service', ['order-service'])

function forge(claims: Record<string, unknown>, key = SECRET): string {
  return createSigner({ key, algorithm: 'HS256', noTimestamp: true })(claims)
}
const good = () => ({
  iss: 'order-service',
  aud: 'product-service',
  iat: nowSeconds(),
  exp: nowSeconds() + 300,
})

describe('service tokens', () => {
  it('a minted token names its issuer to the audience', () => {
    const mint = serviceTokenMinter(SECRET, 'order-service')
    assert.equal(verify(mint('product-service')), 'order-service')
  })

  it('one token per audience, reused while fresh', () => {
    const mint = serviceTokenMinter(SECRET, 'order-service')
    assert.equal(mint('product-service'), mint('product-service'))
    assert.notEqual(mint('product-service'), mint('user-service'))
    assert.deepEqual(serviceAuthorization(mint, 'product-service'), {
      authorization: `Bearer ${mint('product-service')}`,
    })
  })

  const refused: [string, () => string][] = [
    ['another audience', () => serviceTokenMinter(SECRET, 'order-service')('user-service')],
    ['an issuer not allowed', () => serviceTokenMinter(SECRET, 'frontend')('product-service')],
    ['another key', () => serviceTokenMinter(`${SECRET}-x`, 'order-service')('product-service')],
    ['no exp', () => forge({ ...good(), exp: undefined })],
    ['no aud', () => forge({ ...good(), aud: undefined })],
    ['no iat', () => forge({ ...good(), iat: undefined })],
    ['expired', () => forge({ ...good(), exp: nowSeconds() - 120 })],
    ['valid for hours', () => forge({ ...good(), exp: nowSeconds() + 7200 })],
    ['issued long ago', () => forge({ ...good(), iat: nowSeconds() - 3600 })],
    [
      "a user's token signed with the same key",
      () => tokenSigner(SECRET)({ id: 1, email: 'a@b.test', role: 'admin' }),
    ],
  ]
  for (const [name, token] of refused) {
    it(`refuses ${name}`, () => assert.throws(() => verify(token())))
  }

  it('SERVICE_TOKEN_SECRET is required, at least 32 characters, and never echoed', () => {
    assert.throws(() => loadConfig(ServiceTokenEnv, {}), /SERVICE_TOKEN_SECRET/)
    assert.throws(
      () => loadConfig(ServiceTokenEnv, { SERVICE_TOKEN_SECRET: 'short-secret-value' }),
      (err: Error) => /SERVICE_TOKEN_SECRET/.test(err.message) && !/short-secret/.test(err.message),
    )
    assert.equal(
      loadConfig(ServiceTokenEnv, { SERVICE_TOKEN_SECRET: SECRET }).SERVICE_TOKEN_SECRET,
      SECRET,
    )
  })
})

describe('requireService', () => {
  let app: FastifyInstance
  before(async () => {
    app = Fastify()
    app.setErrorHandler(errorHandler)
    app.get('/internal', { preHandler: requireService(verify) }, async (request) => ({
      caller: request.serviceCaller,
    }))
    await app.ready()
  })
  after(() => app.close())

  const call = (authorization?: string) =>
    app.inject({ url: '/internal', headers: authorization ? { authorization } : {} })

  it('lets the allowed service through, naming it', async () => {
    const res = await call(
      `Bearer ${serviceTokenMinter(SECRET, 'order-service')('product-service')}`,
    )
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json(), { caller: 'order-service' })
  })

  it('anonymous → 401 service_token_required', async () => {
    const res = await call()
    assert.equal(res.statusCode, 401)
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
    assert.equal(res.json().reason, 'service_token_required')
  })

  it("another service, or a user's token → 401 invalid_service_token", async () => {
    for (const token of [
      serviceTokenMinter(SECRET, 'frontend')('product-service'),
      tokenSigner(SECRET)({ id: 1, email: 'a@b.test', role: 'admin' }),
      'garbage',
    ]) {
      const res = await call(`Bearer ${token}`)
      assert.equal(res.statusCode, 401, token)
      assert.equal(res.json().reason, 'invalid_service_token')
    }
  })
})
