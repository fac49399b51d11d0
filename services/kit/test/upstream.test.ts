import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Upstream, UpstreamError, UpstreamUnavailable, faultState } from '../src'

/**
 * A real HTTP server whose behaviour the test switches; it counts the requests it gets.
 * `outage`: a 503 of its own; `bug`: a 500; `passed-on`: a 503 naming its failed dependency;
 * `slow`: `ok`, 400 ms late.
 */
let server: Server
type Mode = 'ok' | 'outage' | 'bug' | 'passed-on' | 'hang' | 'slow'
let mode: Mode = 'ok'
let hits = 0
let baseUrl = ''

const ANSWERS: Record<Exclude<Mode, 'hang' | 'slow'>, (path: string) => [number, unknown]> = {
  ok: (path: string) => [200, { path }],
  outage: () => [503, { type: 'about:blank', title: 'Service Unavailable', status: 503 }],
  bug: () => [500, { type: 'about:blank', title: 'Internal Server Error', status: 500 }],
  'passed-on': () => [
    503,
    {
      type: 'https://shopscope.dev/problems/dependency-unavailable',
      title: 'Service Unavailable',
      status: 503,
      reason: 'dependency_unavailable',
      dependency: 'database',
    },
  ],
}

before(async () => {
  server = createServer((req, res) => {
    hits++
    if (mode === 'hang') return
    const [status, body] = ANSWERS[mode === 'slow' ? 'ok' : mode](req.url ?? '')
    const answer = () => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (mode === 'slow') setTimeout(answer, 400)
    else answer()
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
    mode = 'outage'
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

  it('gives one call a longer timeout than the others', async () => {
    mode = 'slow'
    const dep = upstream({ retries: 0 })
    await assert.rejects(dep.request('POST', '/hash'), /timeout/)
    const res = await dep.request<{ path: string }>('POST', '/hash', { timeoutMs: 2000 })
    assert.deepEqual(res, { status: 200, body: { path: '/hash' } })
  })

  it('opens the circuit, fails fast, then lets one probe through and closes', async () => {
    mode = 'outage'
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

  it('never opens the circuit on 500s: the caller answers 502 upstream-error', async () => {
    mode = 'bug'
    hits = 0
    const dep = upstream({ retries: 2 })
    for (let i = 0; i < 10; i++) {
      const err = await dep.request('GET', '/').catch((e: unknown) => e)
      assert.ok(err instanceof UpstreamError, String(err))
      assert.equal(err.statusCode, 502)
      assert.deepEqual(err.members, { reason: 'upstream_error', dependency: 'dep' })
    }
    assert.equal(hits, 10, 'a 500 is not retried')
    assert.equal(dep.state, 'closed')
    mode = 'ok'
    assert.equal((await dep.request('GET', '/')).status, 200)
  })

  it('never opens the circuit on a failure the upstream passes on, and stays a 503', async () => {
    mode = 'passed-on'
    hits = 0
    const dep = upstream({ retries: 2 })
    for (let i = 0; i < 10; i++) {
      const err = await dep.request('GET', '/').catch((e: unknown) => e)
      assert.ok(err instanceof UpstreamUnavailable, String(err))
      assert.equal(err.statusCode, 503)
      assert.deepEqual(err.members, { reason: 'dependency_unavailable', dependency: 'dep' })
    }
    assert.equal(hits, 10, 'a passed-on failure is not retried')
    assert.equal(dep.state, 'closed')
  })

  it('counts the 503s it originates and its timeouts', async () => {
    const dep = upstream({ retries: 0 })
    mode = 'outage'
    await assert.rejects(dep.request('GET', '/'), UpstreamUnavailable)
    await assert.rejects(dep.request('GET', '/'), UpstreamUnavailable)
    mode = 'hang'
    await assert.rejects(dep.request('GET', '/'), /timeout/)
    assert.equal(dep.state, 'open')
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
