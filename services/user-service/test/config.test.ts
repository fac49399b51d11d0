import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError, loadServiceConfig } from '@shopscope/kit'
import { TEST_ENV } from '@shopscope/tests/harness'
import { service } from '../src/service'

const env = { ...TEST_ENV, DATABASE_URL: 'mysql://u:p@localhost:3306/users' }

const failureOf = (overrides: Record<string, string | undefined>): ConfigError => {
  try {
    loadServiceConfig(service, { ...env, ...overrides })
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err))
    return err
  }
  assert.fail(`accepted ${JSON.stringify(overrides)}`)
}

describe('user-service environment', () => {
  it('applies the documented defaults', () => {
    const config = loadServiceConfig(service, env)
    assert.equal(config.PORT, 8081)
    assert.equal(config.LOGIN_RATE_LIMIT_PER_MINUTE, 10)
    assert.equal(config.ADMIN_PASSWORD, TEST_ENV.ADMIN_PASSWORD)
  })

  it('has no default admin password', () => {
    for (const missing of [undefined, '']) {
      const err = failureOf({ ADMIN_PASSWORD: missing })
      assert.match(err.message, /ADMIN_PASSWORD/)
      // Names the variable without echoing secrets.
      assert.ok(!err.message.includes(TEST_ENV.JWT_SECRET))
    }
    assert.match(failureOf({ ADMIN_PASSWORD: 'too-short' }).message, /ADMIN_PASSWORD/)
  })

  it('rejects a short JWT secret, a bad admin email and a bad rate limit', () => {
    assert.match(failureOf({ JWT_SECRET: 'short' }).message, /JWT_SECRET/)
    assert.match(failureOf({ JWT_SECRET: undefined }).message, /JWT_SECRET/)
    assert.match(failureOf({ FRONTEND_PUBLIC_KEY: 'short' }).message, /FRONTEND_PUBLIC_KEY/)
    assert.match(failureOf({ FRONTEND_PUBLIC_KEY: undefined }).message, /FRONTEND_PUBLIC_KEY/)
    assert.match(failureOf({ ADMIN_EMAIL: 'not-an-email' }).message, /ADMIN_EMAIL/)
    assert.match(failureOf({ LOGIN_RATE_LIMIT_PER_MINUTE: 'many' }).message, /LOGIN_RATE_LIMIT/)
    assert.match(failureOf({ LOGIN_RATE_LIMIT_PER_MINUTE: '0' }).message, /LOGIN_RATE_LIMIT/)
  })
})
