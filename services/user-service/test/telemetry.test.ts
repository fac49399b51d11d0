import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { userPseudonym } from '@shopscope/kit'
import { TEST_ENV } from '@shopscope/tests/harness'
import { login, register, userServiceFixture } from './helpers'

// A real SDK in memory, standing in for the span the HTTP instrumentation opens per request.
const exporter = new InMemorySpanExporter()
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
trace.setGlobalTracerProvider(
  new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
)
const tracer = trace.getTracer('user-service-test')

const svc = userServiceFixture()
const app = () => svc().app

const inSpan = <T>(name: string, work: () => Promise<T>) =>
  tracer.startActiveSpan(name, async (span) => {
    try {
      return await work()
    } finally {
      span.end()
    }
  })

const attributesOf = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name)
/** What anyone can compute: the plain hash of an id, reversed by hashing every id. */
const unkeyed = (id: number) => createHash('sha256').update(String(id)).digest('hex').slice(0, 16)

const grace = { email: 'Grace@Example.com', password: 'grace password', name: 'Grace' }

describe('business telemetry', () => {
  it('tags register and login spans with a keyed pseudonym of the user id, never the email', async () => {
    const created = await inSpan('register', () => register(app(), grace))
    assert.equal(created.statusCode, 201)
    const session = await inSpan('login', () =>
      login(app(), { email: grace.email, password: grace.password }),
    )
    assert.equal(session.statusCode, 200)
    const id = created.json().user.id as number
    for (const name of ['register', 'login']) {
      const span = attributesOf(name)
      assert.ok(span, `span ${name} exported`)
      // The services' own pseudonym (kit, keyed by JWT_SECRET), not a hash anyone can invert.
      assert.equal(span.attributes['user.id'], userPseudonym(TEST_ENV.JWT_SECRET)(id))
      assert.notEqual(span.attributes['user.id'], unkeyed(id))
      assert.ok(!JSON.stringify(span.attributes).toLowerCase().includes('grace@'))
    }
  })

  it('leaves failed logins untagged', async () => {
    await inSpan('failed', () => login(app(), { email: grace.email, password: 'not it at all' }))
    assert.equal(attributesOf('failed')?.attributes['user.id'], undefined)
  })

  it('links the counters to the trace with exemplars', async () => {
    const text = (await app().inject('/metrics')).body
    const traceId = attributesOf('login')?.spanContext().traceId
    assert.ok(traceId)
    const success = text
      .split('\n')
      .find((l) => l.startsWith('shopscope_logins_total{result="success"}'))
    assert.match(success ?? '', new RegExp(`# \\{.*trace_id="${traceId}"`))
    assert.match(text, /shopscope_users_registered_total 1 # \{.*trace_id="[0-9a-f]{32}"/)
  })
})
