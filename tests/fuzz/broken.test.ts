// The suite can fail: a service with a route that crashes and one that answers what its schema
// does not allow must make schemathesis exit non-zero and name both.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { buildService, Type } from '@shopscope/kit'
import { TEST_ENV } from '@shopscope/tests/harness'
import { fuzz, summary, type FuzzRun } from './schemathesis'

const Thing = Type.Object({ id: Type.Integer() }, { additionalProperties: false })

const brokenApp: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/v1/crash/:id',
    { schema: { params: Thing, response: { 200: Thing } } },
    async () => {
      throw new Error('a bug')
    },
  )
  app.get('/api/v1/lie', { schema: { response: { 200: Thing } } }, async (_request, reply) =>
    // Bypasses the schema's serializer, as a hand-written body would.
    reply.type('application/json').serializer(JSON.stringify).send({ id: 'one' }),
  )
}

describe('the fuzz suite against a broken service', () => {
  let app: FastifyInstance
  let run: FuzzRun

  before(async () => {
    app = await buildService(
      {
        name: 'broken-service',
        description: 'Fails on purpose',
        defaultPort: 8099,
        env: Type.Object({}),
        app: brokenApp,
      },
      // The crash is expected: its error log would only be noise.
      { ...TEST_ENV, LOG_LEVEL: 'fatal' },
    )
    run = await fuzz({ url: await app.listen({ port: 0, host: '127.0.0.1' }), maxExamples: 5 })
    console.log(summary('broken-service', run))
  })
  after(async () => app?.close())

  it('exits non-zero', () => {
    assert.notEqual(run.exitCode, 0, run.output)
  })

  it('reports the server error of the crashing route', () => {
    const crash = run.junit.find((c) => c.name === 'GET /api/v1/crash/{id}')
    assert.ok(crash?.failures.includes('ST101'), JSON.stringify(run.junit))
  })

  it('reports the response that breaks its schema', () => {
    const lie = run.report.failures.find((f) => f.operations.includes('GET /api/v1/lie'))
    assert.ok(lie, JSON.stringify(run.report.failures))
    assert.match(lie.title, /schema/i)
  })
})
