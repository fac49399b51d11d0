import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { CallFailed, httpCall } from '../src/http-call'

/**
 * A server that answers one request per connection and then, like a pod closing its idle
 * connections at the end of its drain, drops the connection when the next request arrives on
 * it; `dropFirst`: it also drops a new connection's first request (a server that really failed).
 */
let server: Server
let baseUrl = ''
let dropFirst = false
const served = new WeakMap<Socket, number>()
let handled = 0
let connections = 0

before(async () => {
  server = createServer((req, res) => {
    const count = (served.get(req.socket) ?? 0) + 1
    served.set(req.socket, count)
    if (count > 1 || dropFirst) return req.socket.destroy()
    handled++
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`answer ${handled}`)
  })
  server.on('connection', () => connections++)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => {
  server.closeAllConnections()
  server.close()
})

const post = () =>
  httpCall(new URL('/cart/items', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"productId":1}',
    timeoutMs: 2000,
  })

describe('httpCall on keep-alive connections', () => {
  it('sends a POST again on a new connection when its idle connection was closed under it', async () => {
    dropFirst = false
    assert.equal((await post()).status, 200)
    const before = connections
    // Same pooled connection: dropped on arrival, then sent again on a fresh one.
    const again = await post()
    assert.equal(again.status, 200)
    assert.equal(connections, before + 1, 'one new connection')
  })

  it('does not send again what failed on a fresh connection: the server may have acted on it', async () => {
    dropFirst = true
    const handledBefore = handled
    await assert.rejects(post(), (err) => err instanceof CallFailed && err.reason === 'unreachable')
    assert.equal(handled, handledBefore)
    dropFirst = false
  })

  it('sends a call again when connecting was refused: nothing reached a server', async () => {
    // A port nothing listens on yet, like a Service endpoint whose pod has just exited.
    const probe = createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
    const port = (probe.address() as AddressInfo).port
    await new Promise<void>((r) => probe.close(() => r()))
    let received = 0
    const late = createServer((_req, res) => {
      received++
      res.end('late answer')
    })
    const call = httpCall(new URL(`http://127.0.0.1:${port}/cart/items`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      timeoutMs: 2000,
    })
    // Listening only after the first attempt was refused, before the first retry.
    await new Promise<void>((r) => setTimeout(r, 10))
    await new Promise<void>((r) => late.listen(port, '127.0.0.1', r))
    try {
      const answer = await call
      assert.equal(answer.text, 'late answer')
      assert.equal(received, 1, 'sent once to the server')
    } finally {
      late.closeAllConnections()
      late.close()
    }
  })

  it('gives up on a port that keeps refusing, within its retries', async () => {
    const probe = createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
    const port = (probe.address() as AddressInfo).port
    await new Promise<void>((r) => probe.close(() => r()))
    const started = Date.now()
    await assert.rejects(
      httpCall(new URL(`http://127.0.0.1:${port}/`), {
        method: 'GET',
        headers: {},
        timeoutMs: 5000,
      }),
      (err) => err instanceof CallFailed && err.reason === 'unreachable',
    )
    assert.ok(Date.now() - started < 1000, 'three short waits, not the time limit')
  })
})
