import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import { loadServiceConfig } from '../src'
import { trustProxy } from '../src/config'
import { demoService } from './fixtures/demo-service'

const ipSeenWith = async (setting: string, forwardedFor: string) => {
  const app = Fastify({ trustProxy: trustProxy(setting) })
  app.get('/ip', async (request) => request.ip)
  const res = await app.inject({
    url: '/ip',
    remoteAddress: '10.0.0.5',
    headers: { 'x-forwarded-for': forwardedFor },
  })
  await app.close()
  return res.body
}

describe('TRUST_PROXY', () => {
  it('trusts nobody by default: a client cannot name its own address', async () => {
    assert.equal(loadServiceConfig(demoService(), {}).TRUST_PROXY, '')
    assert.equal(await ipSeenWith('', '203.0.113.9'), '10.0.0.5')
  })

  it('behind one proxy, takes the address that proxy saw, not what the client claimed', async () => {
    assert.equal(await ipSeenWith('10.0.0.0/8', '198.51.100.1, 203.0.113.9'), '203.0.113.9')
    assert.equal(await ipSeenWith('uniquelocal', '198.51.100.1, 203.0.113.9'), '203.0.113.9')
    // A proxy not on the list is a client like any other.
    assert.equal(await ipSeenWith('192.168.0.0/16', '203.0.113.9'), '10.0.0.5')
  })

  it('accepts address lists, refuses trusting everyone or a bare hop count', () => {
    for (const value of ['10.0.0.0/8,loopback', 'uniquelocal', 'fd00::/8', '192.0.2.1']) {
      assert.equal(loadServiceConfig(demoService(), { TRUST_PROXY: value }).TRUST_PROXY, value)
    }
    for (const value of ['true', '*', '1', '0.0.0.0/0', '::/0', '10.0.0.0/8; x', 'all']) {
      assert.throws(() => loadServiceConfig(demoService(), { TRUST_PROXY: value }), /TRUST_PROXY/)
    }
  })
})
