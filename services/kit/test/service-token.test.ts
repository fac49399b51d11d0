import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createPrivateKey, generateKeyPairSync } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { createSigner } from 'fast-jwt'
import {
  generateServiceKeyPair,
  loadConfig,
  requireService,
  serviceAuthorization,
  ServicePublicKey,
  ServiceSigningKey,
  serviceTokenMinter,
  serviceTokenVerifier,
  tokenSigner,
  Type,
} from '../src'
import { errorHandler } from '../src/problem'

const orderService = generateServiceKeyPair()
const frontend = generateServiceKeyPair()
const nowSeconds = () => Math.floor(Date.now() / 1000)
/** product-service: only order-service may call it. */
const verify = serviceTokenVerifier('product-service', { 'order-service': orderService.publicKey })

const pemOf = (base64: string) =>
  String(
    createPrivateKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'pkcs8' }).export({
      format: 'pem',
      type: 'pkcs8',
    }),
  )
function forge(claims: Record<string, unknown>, privateKey = orderService.privateKey): string {
  return createSigner({
    key: pemOf(privateKey),
    algorithm: 'EdDSA',
    noTimestamp: claims.iat === undefined,
  })(claims)
}
const good = () => ({
  iss: 'order-service',
  aud: 'product-service',
  iat: nowSeconds(),
  exp: nowSeconds() + 300,
})
const yearAhead = nowSeconds() + 365 * 86_400

describe('service tokens', () => {
  it('a minted token names its issuer to the audience', () => {
    const mint = serviceTokenMinter(orderService.privateKey, 'order-service')
    assert.equal(verify(mint('product-service')), 'order-service')
  })

  it('one token per audience, reused while fresh', () => {
    const mint = serviceTokenMinter(orderService.privateKey, 'order-service')
    assert.equal(mint('product-service'), mint('product-service'))
    assert.notEqual(mint('product-service'), mint('user-service'))
    assert.deepEqual(serviceAuthorization(mint, 'product-service'), {
      authorization: `Bearer ${mint('product-service')}`,
    })
  })

  it('tolerates a few seconds of clock skew on iat', () => {
    assert.equal(verify(forge({ ...good(), iat: nowSeconds() + 10 })), 'order-service')
  })

  const refused: [string, () => string][] = [
    // The finding: one shared key let the frontend mint order-service's tokens.
    [
      "the frontend's key claiming to be order-service",
      () => serviceTokenMinter(frontend.privateKey, 'order-service')('product-service'),
    ],
    [
      'an issuer not trusted',
      () => serviceTokenMinter(frontend.privateKey, 'frontend')('product-service'),
    ],
    [
      'another audience',
      () => serviceTokenMinter(orderService.privateKey, 'order-service')('user-service'),
    ],
    [
      'HS256 keyed with the public key (key confusion)',
      () =>
        createSigner({ key: orderService.publicKey, algorithm: 'HS256' })({
          iss: 'order-service',
          aud: 'product-service',
          exp: nowSeconds() + 300,
        }),
    ],
    ['an issuer named __proto__', () => forge({ ...good(), iss: '__proto__' })],
    ['no exp', () => forge({ ...good(), exp: undefined })],
    ['no aud', () => forge({ ...good(), aud: undefined })],
    ['no iat', () => forge({ ...good(), iat: undefined })],
    ['expired', () => forge({ ...good(), exp: nowSeconds() - 120 })],
    ['valid for hours', () => forge({ ...good(), exp: nowSeconds() + 7200 })],
    ['issued long ago', () => forge({ ...good(), iat: nowSeconds() - 3600 })],
    ['issued a year from now', () => forge({ ...good(), iat: yearAhead, exp: yearAhead + 300 })],
    ['issued beyond the clock skew', () => forge({ ...good(), iat: nowSeconds() + 120 })],
    ['an exp of 1e20', () => forge({ ...good(), exp: 1e20 })],
    [
      "a user's token",
      () => tokenSigner('x'.repeat(40))({ id: 1, email: 'a@b.test', role: 'admin' }),
    ],
    ['an unsigned token', () => createSigner({ algorithm: 'none' })(good())],
  ]
  for (const [name, token] of refused) {
    it(`refuses ${name}`, () => assert.throws(() => verify(token())))
  }
})

describe('service keys in the environment', () => {
  const CallerEnv = Type.Object({ ORDER_SERVICE_SIGNING_KEY: ServiceSigningKey })
  const CalleeEnv = Type.Object({ ORDER_SERVICE_PUBLIC_KEY: ServicePublicKey })

  it('a signing key is required, an Ed25519 private key, and never echoed', () => {
    assert.throws(() => loadConfig(CallerEnv, {}), /ORDER_SERVICE_SIGNING_KEY/)
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey
    for (const bad of [
      'not-a-key-not-a-key-not-a-key-not-a-key',
      String(rsa.export({ format: 'pem', type: 'pkcs8' })),
      orderService.publicKey,
    ]) {
      assert.throws(
        () => loadConfig(CallerEnv, { ORDER_SERVICE_SIGNING_KEY: bad }),
        (err: Error) =>
          /ORDER_SERVICE_SIGNING_KEY/.test(err.message) && !err.message.includes(bad.slice(0, 20)),
      )
    }
  })

  it('takes a key as one-line base64 DER or as PEM', () => {
    for (const key of [orderService.privateKey, pemOf(orderService.privateKey)]) {
      const config = loadConfig(CallerEnv, { ORDER_SERVICE_SIGNING_KEY: key })
      const token = serviceTokenMinter(
        config.ORDER_SERVICE_SIGNING_KEY,
        'order-service',
      )('product-service')
      assert.equal(verify(token), 'order-service')
    }
  })

  it('a public key variable refuses a private key: a callee never holds one', () => {
    assert.throws(
      () => loadConfig(CalleeEnv, { ORDER_SERVICE_PUBLIC_KEY: pemOf(orderService.privateKey) }),
      /ORDER_SERVICE_PUBLIC_KEY/,
    )
    assert.throws(
      () => loadConfig(CalleeEnv, { ORDER_SERVICE_PUBLIC_KEY: orderService.privateKey }),
      /ORDER_SERVICE_PUBLIC_KEY/,
    )
    assert.equal(
      loadConfig(CalleeEnv, { ORDER_SERVICE_PUBLIC_KEY: orderService.publicKey })
        .ORDER_SERVICE_PUBLIC_KEY,
      orderService.publicKey,
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
      `Bearer ${serviceTokenMinter(orderService.privateKey, 'order-service')('product-service')}`,
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

  it("another service, its key as order-service, or a user's token → 401 invalid_service_token", async () => {
    for (const token of [
      serviceTokenMinter(frontend.privateKey, 'frontend')('product-service'),
      serviceTokenMinter(frontend.privateKey, 'order-service')('product-service'),
      tokenSigner('x'.repeat(40))({ id: 1, email: 'a@b.test', role: 'admin' }),
      'garbage',
    ]) {
      const res = await call(`Bearer ${token}`)
      assert.equal(res.statusCode, 401, token)
      assert.equal(res.json().reason, 'invalid_service_token')
    }
  })
})
