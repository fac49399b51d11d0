import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildService, ConfigError, faultState, listenService, loadServiceConfig } from '../src'
import { demoService } from './fixtures/demo-service'

const TOKEN = 'fault-admin-token-of-forty-characters-01'
/** What the local stack and the telemetry tests set: fault injection on, its admin listener. */
const ENABLED = {
  LOG_LEVEL: 'fatal',
  FAULT_INJECTION_ENABLED: 'true',
  FAULT_ADMIN_TOKEN: TOKEN,
  ADMIN_PORT: '9999',
}

const put = (app: FastifyInstance, body: object, token = TOKEN, remoteAddress = '127.0.0.1') =>
  app.inject({
    method: 'PUT',
    url: '/admin/faults',
    headers: { authorization: `Bearer ${token}` },
    remoteAddress,
    payload: body,
  })

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('fault admin: on its own listener, never the public port', () => {
  let app: FastifyInstance
  before(async () => {
    app = await buildService(demoService(), ENABLED)
    await app.ready()
  })
  after(async () => {
    await app.close()
    Object.assign(faultState, { latencyMs: 0, errorRate: 0, failDependency: '' })
  })

  it('the public port has no /admin/faults, even with the token', async () => {
    const res = await put(app, { latencyMs: 0 })
    assert.equal(res.statusCode, 404, res.body)
  })

  it('the admin listener changes the switches with the token', async () => {
    const res = await put(app.admin, { latencyMs: 0, errorRate: 0 })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json(), { latencyMs: 0, errorRate: 0, failDependency: '' })
  })

  it('a wrong token is a 401 problem; repeated failures are limited, even the right token', async () => {
    const from = '127.0.0.9'
    for (const token of ['x', `${TOKEN.slice(0, -1)}y`, `${TOKEN}${TOKEN}`, '', 'y'.repeat(200)]) {
      const res = await put(app.admin, { latencyMs: 5 }, token, from)
      assert.equal(res.statusCode, 401, res.body)
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
    }
    const limited = await put(app.admin, { latencyMs: 5 }, TOKEN, from)
    assert.equal(limited.statusCode, 429, limited.body)
    assert.ok(Number(limited.headers['retry-after']) > 0)
    assert.equal(faultState.latencyMs, 0, 'nothing changed')
    // Another address is not locked out by the first one's failures.
    assert.equal((await put(app.admin, { latencyMs: 0 })).statusCode, 200)
  })
})

describe('fault injection configuration, checked at boot', () => {
  const refused = (env: Record<string, string>, pattern: RegExp) =>
    assert.throws(
      () => loadServiceConfig(demoService(), env),
      (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
    )

  it('is off unless enabled: any FAULT_* variable without FAULT_INJECTION_ENABLED stops the boot', () => {
    refused({ FAULT_LATENCY_MS: '100' }, /FAULT_INJECTION_ENABLED/)
    refused({ FAULT_ERROR_RATE: '0.5' }, /FAULT_INJECTION_ENABLED/)
    refused({ FAULT_FAIL_DEPENDENCY: 'product-service' }, /FAULT_INJECTION_ENABLED/)
    refused({ FAULT_ADMIN_TOKEN: TOKEN, ADMIN_PORT: '9999' }, /FAULT_INJECTION_ENABLED/)
    assert.doesNotThrow(() => loadServiceConfig(demoService(), {}))
  })

  it('a production install refuses fault injection', () => {
    refused({ ...ENABLED, SHOPSCOPE_ENV: 'production' }, /production/)
    refused({ SHOPSCOPE_ENV: 'production', FAULT_INJECTION_ENABLED: 'true' }, /production/)
  })

  it('an admin token is at least 32 characters, never echoed, and needs the admin listener', () => {
    refused({ ...ENABLED, FAULT_ADMIN_TOKEN: 'dev-fault-token' }, /FAULT_ADMIN_TOKEN/)
    assert.throws(
      () => loadServiceConfig(demoService(), { ...ENABLED, FAULT_ADMIN_TOKEN: 'dev-fault-token' }),
      (err: Error) => !err.message.includes('dev-fault-token'),
    )
    refused({ ...ENABLED, ADMIN_PORT: '0' }, /ADMIN_PORT/)
  })
})

describe('listenService', () => {
  it('binds the admin listener to 127.0.0.1 by default, apart from the public port', async () => {
    const [port, adminPort] = [await freePort(), await freePort()]
    const env = { ...ENABLED, HOST: '127.0.0.1', PORT: String(port), ADMIN_PORT: String(adminPort) }
    const app = await buildService(demoService(), env)
    try {
      await listenService(app, loadServiceConfig(demoService(), env))
      const admin = app.admin.server.address() as AddressInfo
      assert.deepEqual([admin.address, admin.port], ['127.0.0.1', adminPort])
      const publicAnswer = await fetch(`http://127.0.0.1:${port}/admin/faults`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: '{}',
      })
      assert.equal(publicAnswer.status, 404)
      const adminAnswer = await fetch(`http://127.0.0.1:${adminPort}/admin/faults`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: '{}',
      })
      assert.equal(adminAnswer.status, 200)
    } finally {
      await app.close()
    }
  })
})
