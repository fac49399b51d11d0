import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError, loadServiceConfig } from '../src'
import { demoService } from './fixtures/demo-service'

describe('loadServiceConfig', () => {
  it('converts strings and applies defaults', () => {
    const config = loadServiceConfig(demoService(), { PORT: '9000', DEMO_DELAY_MS: '5' })
    assert.equal(config.PORT, 9000)
    assert.equal(config.DEMO_DELAY_MS, 5)
    assert.equal(config.LOG_LEVEL, 'info')
    assert.equal(config.FAULT_ERROR_RATE, 0)
  })

  it('names every bad variable at once, without echoing secrets', () => {
    assert.throws(
      () =>
        loadServiceConfig(demoService(true), {
          PORT: 'eighty',
          LOG_LEVEL: 'loud',
          DATABASE_URL: 'postgres://secret@x/db',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError)
        const text = err.message
        for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL'])
          assert.match(text, new RegExp(name))
        assert.doesNotMatch(text, /secret@x/)
        return true
      },
    )
  })

  it('requires DATABASE_URL only for services with a database', () => {
    assert.doesNotThrow(() => loadServiceConfig(demoService(false), {}))
    assert.throws(() => loadServiceConfig(demoService(true), {}), /DATABASE_URL/)
  })
})
