import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { metricValue } from '@shopscope/tests/harness'
import { login, register, userServiceFixture } from './helpers'

const svc = userServiceFixture({ LOGIN_RATE_LIMIT_PER_MINUTE: '3' })
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

  it('does not limit registration', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await register(app(), { ...erin, name: 'U', email: `user${i}@example.com` })
      assert.equal(res.statusCode, 201)
    }
  })
})
