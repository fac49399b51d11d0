import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Upstream, UpstreamUnavailable, faultState } from '../src'

/** A real HTTP server whose behaviour the test switches; it counts the requests it gets. */
let server: Server
let mode: 'ok' | 'fail' | 'hang' = 'ok'
let hits = 0
let baseUrl = ''

before(async () => {
  server = createServer((req, res) => {
    hits++
    if (mode === 'hang') return
    res.writeHead(mode === 'ok' ? 200 : 500, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ path: req.url }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => {
  server.closeAllConnections()
  server.close()
})

const upstream = (extra: Partial<ConstructorParameters<typeof Upstream>[0]> = {}) =>
  new Upstream({
    name: 'dep',
    baseUrl,
    timeoutMs: 200,
    retries: 2,
    failureThreshold: 3,
    openMs: 300,
    ...extra,
  })

describe('Upstream', () => {
  it('returns the status and JSON body', async () => {
    mode = 'ok'
    const res = await upstream().request<{ path: string }>('GET', '/things?x=1')
    assert.deepEqual(res, { status: 200, body: { path: '/things?x=1' } })
  })

  it('retries idempotent calls only', async () => {
    mode = 'fail'
    hits = 0
    await assert.rejects(
      upstream({ failureThreshold: 100 }).request('GET', '/'),
      UpstreamUnavailable,
    )
    assert.equal(hits, 3)
    hits = 0
    await assert.rejects(
      upstream({ failureThreshold: 100 }).request('POST', '/', { body: {} }),
      UpstreamUnavailable,
    )
    assert.equal(hits, 1)
  })

  it('times out a hanging dependency', async () => {
    mode = 'hang'
    const started = Date.now()
    await assert.rejects(upstream({ retries: 0 }).request('GET', '/'), /timeout/)
    assert.ok(Date.now() - started < 1_000)
  })

  it('opens the circuit, fails fast, then lets one probe through and closes', async () => {
    mode = 'fail'
    const dep = upstream({ retries: 0 })
    for (let i = 0; i < 3; i++) await assert.rejects(dep.request('GET', '/'))
    assert.equal(dep.state, 'open')
    hits = 0
    await assert.rejects(dep.request('GET', '/'), /circuit open/)
    assert.equal(hits, 0)
    await new Promise((r) => setTimeout(r, 350))
    assert.equal(dep.state, 'half-open')
    mode = 'ok'
    assert.equal((await dep.request('GET', '/')).status, 200)
    assert.equal(dep.state, 'closed')
  })

  it('fails a dependency named by fault injection without calling it', async () => {
    mode = 'ok'
    hits = 0
    faultState.failDependency = 'dep'
    try {
      await assert.rejects(upstream().request('GET', '/'), /injected fault/)
      assert.equal(hits, 0)
    } finally {
      faultState.failDependency = ''
    }
  })
})
