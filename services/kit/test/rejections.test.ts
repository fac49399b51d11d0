import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { buildService } from '../src'
import { demoService } from './fixtures/demo-service'

let app: FastifyInstance
let port: number
before(async () => {
  app = await buildService(demoService(), { LOG_LEVEL: 'fatal' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = (app.server.address() as { port: number }).port
})
after(() => app.close())

/** Over a real socket: inject does not go through Node's HTTP parser and its header limit. */
function get(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

function assertProblem(res: { status: number; type: string; body: string }, status: number) {
  assert.equal(res.status, status, res.body)
  assert.match(res.type, /^application\/problem\+json/)
  const body = JSON.parse(res.body)
  assert.equal(body.status, status)
  assert.match(body.type, /^https:\/\/shopscope\.dev\/problems\//)
  assert.equal(typeof body.reason, 'string')
  return body
}

describe('requests refused before any route runs are problems too', () => {
  it('oversized headers → 431 problem+json', async () => {
    const res = await get('/echo', { 'x-big': 'a'.repeat(20_000) })
    const body = assertProblem(res, 431)
    assert.equal(body.reason, 'request_header_fields_too_large')
  })

  it('a URL that cannot be decoded → 400 problem+json, not FST_ERR_BAD_URL JSON', async () => {
    const res = await get('/static/%c0%ae%c0%ae/x')
    assertProblem(res, 400)
    assert.doesNotMatch(res.body, /FST_ERR_BAD_URL/)
    const injected = await app.inject('/echo/%c0%ae')
    assert.equal(injected.statusCode, 400)
    assert.match(String(injected.headers['content-type']), /^application\/problem\+json/)
  })
})
