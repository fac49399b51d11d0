import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_IP_HEADER, serviceTokenMinter } from '@shopscope/kit'
import { metricValue, TEST_ENV } from '@shopscope/tests/harness'
import { login, register, userServiceFixture } from './helpers'

const svc = userServiceFixture({
  LOGIN_RATE_LIMIT_PER_MINUTE: '3',
  LOGIN_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '8',
})
const app = () => svc().app

const erin = { email: 'erin@example.com', password: 'erin password' }
const metric = async (result: string) =>
  metricValue((await app().inject('/metrics')).body, `shopscope_logins_total{result="${result}"}`)

describe('login rate limit', () => {
  it('answers 429 problem+json with retry-after after N attempts per IP and email', async () => {
    assert.equal((await register(app(), { ...erin, name: 'Erin' })).statusCode, 201)
    const attempt = () => login(app(), { email: 'ERIN@example.com', password: 'guess 1234' })
    for (let i = 0; i < 3; i++) assert.equal((await attempt()).statusCode, 401)
    const limited = await attempt()
    assert.equal(limited.statusCode, 429)
    assert.match(limited.headers['content-type'] as string, /application\/problem\+json/)
    const retryAfter = Number(limited.headers['retry-after'])
    assert.ok(retryAfter > 0 && retryAfter <= 60, `retry-after ${retryAfter}`)
    const body = limited.json()
    assert.equal(body.status, 429)
    assert.equal(body.title, 'Too Many Requests')
    assert.match(body.detail, /Too many login attempts/)
    // Even the right password waits until the window is over.
    assert.equal((await login(app(), erin)).statusCode, 429)
    assert.equal(await metric('rate_limited'), 2)
    assert.equal(await metric('failure'), 3)
  })

  it('limits per email: other accounts from the same address still log in', async () => {
    const frank = { email: 'frank@example.com', password: 'frank password' }
    assert.equal((await register(app(), { ...frank, name: 'Frank' })).statusCode, 201)
    assert.equal((await login(app(), frank)).statusCode, 200)
  })

  it('limits per client address: another IP may still try the same email', async () => {
    const res = await app().inject({
      method: 'POST',
      url: '/api/v1/sessions',
      remoteAddress: '10.1.2.3',
      payload: { email: erin.email, password: erin.password },
    })
    assert.equal(res.statusCode, 200)
  })

  it('does not count registrations against the login limits', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await register(app(), { ...erin, name: 'U', email: `user${i}@example.com` })
      assert.equal(res.statusCode, 201)
    }
  })
})

/** Each caller signs with its own key; user-service trusts the frontend's only. */
const SIGNING_KEYS: Record<string, string> = {
  frontend: TEST_ENV.FRONTEND_SIGNING_KEY,
  'order-service': TEST_ENV.ORDER_SERVICE_SIGNING_KEY,
}

/** A login as the frontend sends it: its service token and the shopper's address. */
const viaFrontend = (shopperIp: string, payload: object, issuer = 'frontend') =>
  app().inject({
    method: 'POST',
    url: '/api/v1/sessions',
    remoteAddress: '10.9.9.9', // the frontend pod, the same for every shopper
    headers: {
      authorization: `Bearer ${serviceTokenMinter(SIGNING_KEYS[issuer] ?? '', issuer)('user-service')}`,
      [CLIENT_IP_HEADER]: shopperIp,
    },
    payload,
  })

describe('login rate limit behind the frontend', () => {
  const grace = { email: 'grace@example.com', password: 'grace password' }
  const wrong = { email: grace.email, password: 'wrong guess 1' }

  it('keys on the shopper address the frontend forwards: another shopper still logs in', async () => {
    assert.equal((await register(app(), { ...grace, name: 'Grace' })).statusCode, 201)
    for (let i = 0; i < 3; i++)
      assert.equal((await viaFrontend('203.0.113.7', wrong)).statusCode, 401)
    assert.equal((await viaFrontend('203.0.113.7', wrong)).statusCode, 429)
    // Same frontend pod, same account, another shopper: not locked out by the attacker.
    assert.equal((await viaFrontend('198.51.100.20', grace)).statusCode, 200)
  })

  it('a direct caller forging the header without the token is limited on its own address', async () => {
    const forged = (n: number) =>
      app().inject({
        method: 'POST',
        url: '/api/v1/sessions',
        remoteAddress: '192.0.2.50',
        headers: { [CLIENT_IP_HEADER]: `198.18.0.${n}` },
        payload: wrong,
      })
    for (let i = 0; i < 3; i++) assert.equal((await forged(i)).statusCode, 401)
    assert.equal((await forged(99)).statusCode, 429)
    // Its attempts did not count against the shopper it named.
    assert.equal((await viaFrontend('198.18.0.1', grace)).statusCode, 200)
  })

  it("another service's token does not make the header believed", async () => {
    for (let i = 0; i < 3; i++)
      assert.equal((await viaFrontend(`198.18.1.${i}`, wrong, 'order-service')).statusCode, 401)
    // Every attempt counted against the socket address (10.9.9.9), whatever the header said.
    assert.equal((await viaFrontend('198.18.1.200', wrong, 'order-service')).statusCode, 429)
  })

  it('limits one address across emails, and only that address', async () => {
    const attempt = (ip: string, n: number) =>
      viaFrontend(ip, { email: `nobody${n}@example.com`, password: 'guess 12345' })
    for (let n = 0; n < 8; n++) assert.equal((await attempt('203.0.113.99', n)).statusCode, 401)
    const limited = await attempt('203.0.113.99', 8)
    assert.equal(limited.statusCode, 429)
    assert.equal(limited.json().reason, 'too_many_attempts')
    assert.equal((await viaFrontend('203.0.113.100', grace)).statusCode, 200)
  })

  it('an IPv6 shopper is limited per /64, so rotating addresses does not help', async () => {
    for (let i = 0; i < 3; i++)
      assert.equal((await viaFrontend(`2001:db8:1:2::${i + 1}`, wrong)).statusCode, 401)
    assert.equal((await viaFrontend('2001:db8:1:2::ffff', wrong)).statusCode, 429)
    assert.equal((await viaFrontend('2001:db8:1:3::1', grace)).statusCode, 200)
  })
})
