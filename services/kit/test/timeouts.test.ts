import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildService, ConfigError, loadServiceConfig } from '../src'
import { demoService } from './fixtures/demo-service'

// Short budgets, so a slow client is seen closed within seconds (slowloris on a NodePort).
const ENV = {
  LOG_LEVEL: 'fatal',
  HEADERS_TIMEOUT_MS: '1000',
  REQUEST_TIMEOUT_MS: '1500',
  CONNECTION_TIMEOUT_MS: '1000',
}

let app: FastifyInstance
let port: number
before(async () => {
  app = await buildService(demoService(), ENV)
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = (app.server.address() as AddressInfo).port
})
after(() => app.close())

/**
 * Opens a connection, writes `first`, then one more `drip` every 200 ms; resolves with what the
 * server answered and when it closed the socket (or gives up after `giveUpMs`).
 */
function slowClient(first: string, drip: string, giveUpMs = 6000) {
  return new Promise<{ closedAfterMs: number; answer: string }>((resolve) => {
    const started = Date.now()
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (answer += chunk))
    socket.on('error', () => undefined)
    if (first) socket.write(first)
    const timer = setInterval(() => {
      if (drip && socket.writable) socket.write(drip)
    }, 200)
    const done = (closedAfterMs: number) => {
      clearInterval(timer)
      clearTimeout(giveUp)
      socket.destroy()
      resolve({ closedAfterMs, answer })
    }
    const giveUp = setTimeout(() => done(Infinity), giveUpMs)
    socket.on('close', () => done(Date.now() - started))
  })
}

describe('slow clients are cut off', () => {
  it('headers dripped byte by byte: closed with a 408 once the headers budget is spent', async () => {
    const res = await slowClient('GET /slow HTTP/1.1\r\nHost: x\r\n', 'X-a: b\r\n')
    assert.ok(res.closedAfterMs < 4000, `still open after ${res.closedAfterMs} ms`)
    assert.match(res.answer, /^HTTP\/1\.1 408/)
    assert.match(res.answer, /application\/problem\+json/)
  })

  it('a body dripped slowly: closed once the request budget is spent', async () => {
    const res = await slowClient(
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
      ' ',
    )
    assert.ok(res.closedAfterMs < 5000, `still open after ${res.closedAfterMs} ms`)
  })

  it('a connection that sends nothing: closed once idle for the connection budget', async () => {
    const res = await slowClient('', '')
    assert.ok(res.closedAfterMs < 4000, `still open after ${res.closedAfterMs} ms`)
  })

  it('a normal request is unaffected', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/slow`)
    assert.equal(res.status, 200)
  })
})

describe('timeouts configuration', () => {
  it('has sane defaults', () => {
    const config = loadServiceConfig(demoService(), {})
    assert.equal(config.HEADERS_TIMEOUT_MS, 10_000)
    assert.equal(config.REQUEST_TIMEOUT_MS, 30_000)
    assert.equal(config.CONNECTION_TIMEOUT_MS, 60_000)
    assert.equal(config.KEEP_ALIVE_TIMEOUT_MS, 72_000)
  })

  it('refuses a headers budget beyond the request budget', () => {
    assert.throws(
      () =>
        loadServiceConfig(demoService(), {
          HEADERS_TIMEOUT_MS: '5000',
          REQUEST_TIMEOUT_MS: '2000',
        }),
      (err: unknown) => err instanceof ConfigError && /HEADERS_TIMEOUT_MS/.test(err.message),
    )
  })
})
