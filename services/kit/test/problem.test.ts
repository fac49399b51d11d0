import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { buildService } from '../src'
import { demoService } from './fixtures/demo-service'

let app: FastifyInstance
before(async () => {
  app = await buildService(demoService(), { LOG_LEVEL: 'fatal' })
})
after(() => app.close())

const post = (payload: string, contentType = 'application/json') =>
  app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': contentType }, payload })

function assertProblem(res: Awaited<ReturnType<typeof post>>, status: number) {
  assert.equal(res.statusCode, status, res.body)
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
  const body = res.json()
  assert.equal(body.status, status)
  assert.equal(typeof body.title, 'string')
  assert.equal(typeof body.detail, 'string')
  return body
}

describe('client mistakes are 4xx problems', () => {
  it('malformed JSON → 400', () => post('{"name": "a",').then((r) => assertProblem(r, 400)))
  it('empty JSON body → 400', () => post('').then((r) => assertProblem(r, 400)))

  it('wrong types and missing fields → 400 naming the fields', async () => {
    const body = assertProblem(await post('{"count": "many", "extra": 1}'), 400)
    const fields = body.errors.map((e: { field: string }) => e.field)
    assert.ok(fields.includes('body.name'), JSON.stringify(fields))
    assert.ok(fields.includes('body.count'), JSON.stringify(fields))
  })

  it('unsupported media type → 415', () =>
    post('name=a', 'text/csv').then((r) => assertProblem(r, 415)))
  it('oversized body → 413', () =>
    post(JSON.stringify({ name: 'x'.repeat(70_000), count: 1 })).then((r) => assertProblem(r, 413)))
  it('unknown route → 404', async () => assertProblem(await app.inject('/nope'), 404))

  it('a method the route does not have (TRACE, DELETE) → 405 naming the allowed ones', async () => {
    for (const method of ['TRACE', 'DELETE'] as const) {
      const res = await app.inject({ method, url: '/slow?x=1' })
      const body = assertProblem(res, 405)
      assert.equal(body.reason, 'method_not_allowed')
      assert.equal(res.headers.allow, 'GET, HEAD')
    }
    assert.equal((await app.inject({ method: 'TRACE', url: '/echo' })).headers.allow, 'POST')
    assertProblem(await app.inject({ method: 'TRACE', url: '/nope' }), 404)
  })
})

describe('server faults', () => {
  it('→ 500 problem that leaks neither message nor stack', async () => {
    const res = await app.inject('/boom')
    const body = assertProblem(res, 500)
    assert.doesNotMatch(res.body, /hunter2|at .*\.ts/)
    assert.equal(body.detail, 'An unexpected error occurred')
  })
})

describe('operational routes', () => {
  it('healthz is live and readyz ready without a database', async () => {
    assert.equal((await app.inject('/healthz')).statusCode, 200)
    assert.deepEqual((await app.inject('/readyz')).json(), { status: 'ready', checks: {} })
  })
})
