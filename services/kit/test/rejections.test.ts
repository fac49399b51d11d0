import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { getOverSocket } from '@shopscope/tests/harness'
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

const get = (path: string, headers: Record<string, string> = {}) =>
  getOverSocket(port, path, headers)

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
