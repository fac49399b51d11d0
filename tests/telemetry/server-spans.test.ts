import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import {
  context,
  INVALID_SPAN_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api'
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node'
import { errorHandler } from '../../services/kit/src/problem'
import {
  instrumentFastifyServers,
  SERVER_SPAN_SCOPE,
  SUPPRESS_TRACING,
} from '../../services/telemetry/src/fastify-server'

/**
 * The bootstrap's Fastify hooks in this process, on the SDK the bootstrap uses, with a sampler
 * the test decides for and a processor that keeps every ended span: what a request costs when
 * it is not sampled (the sampler is asked with no attributes; the span is not touched), and what
 * the one server span says when it is. Over real HTTP, so the body parser and the socket's own
 * async context are in the way as in production.
 */

type Processor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number]
type Ended = Parameters<Processor['onEnd']>[0]
type Sampler = NodeSDKConfiguration['sampler']
type Decision = ReturnType<Sampler['shouldSample']>['decision']

const ended: Ended[] = []
const asked: { name: string; kind: SpanKind; attributes: Attributes }[] = []
let sampled = true
const sampler: Sampler = {
  shouldSample: (_context, _traceId, name, kind, attributes) => {
    asked.push({ name, kind, attributes: { ...attributes } })
    return { decision: (sampled ? 2 : 0) as Decision }
  },
  toString: () => 'TestSampler',
}
const processor: Processor = {
  onStart: () => {},
  onEnd: (span) => void ended.push(span),
  forceFlush: async () => {},
  shutdown: async () => {},
}

const newTraceId = () => randomBytes(16).toString('hex')
const newSpanId = () => randomBytes(8).toString('hex')
const traceparent = (traceId: string, parent: string) => `00-${traceId}-${parent}-01`

/** The active span as the handler sees it, after an await. */
const activeSpan = () => {
  const span = trace.getActiveSpan()
  return {
    traceId: span?.spanContext().traceId,
    spanId: span?.spanContext().spanId,
    recording: span?.isRecording() ?? false,
    suppressed: context.active().getValue(SUPPRESS_TRACING) === true,
  }
}

async function shop(): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify()
  app.setErrorHandler(errorHandler)
  app.get('/api/things/:id', async () => {
    await sleep(2)
    trace.getTracer('test').startSpan('child').end()
    return activeSpan()
  })
  app.post('/api/things', async (request) => ({ ...activeSpan(), body: request.body }))
  app.get('/api/plain/:id', async () => {
    await sleep(2)
    return activeSpan()
  })
  app.get('/boom', async () => {
    throw new Error('it broke')
  })
  app.get('/bare-500', async (_request, reply) => reply.code(500).send({ failed: true }))
  app.get('/healthz', async () => activeSpan())
  app.post('/otlp/v1/traces', async () => activeSpan())
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, url: address }
}

const serverSpans = (traceId: string) =>
  ended.filter((s) => s.spanContext().traceId === traceId && s.kind === SpanKind.SERVER)

describe("the bootstrap's Fastify hooks", () => {
  let sdk: NodeSDK
  let traced: { app: FastifyInstance; url: string }
  let ablated: { app: FastifyInstance; url: string }

  before(async () => {
    process.env.OTEL_METRICS_EXPORTER = 'none'
    process.env.OTEL_LOGS_EXPORTER = 'none'
    sdk = new NodeSDK({ sampler, spanProcessors: [processor], instrumentations: [] })
    sdk.start()
    const stop = instrumentFastifyServers({ serverSpans: true })
    traced = await shop()
    stop()
    const stopAblated = instrumentFastifyServers({ serverSpans: false })
    ablated = await shop()
    stopAblated()
  })
  after(async () => {
    await traced?.app.close()
    await ablated?.app.close()
    await sdk?.shutdown()
  })
  beforeEach(() => {
    sampled = true
    asked.length = 0
  })

  it('a sampled request: one SERVER span under the caller, active after awaits', async () => {
    const traceId = newTraceId()
    const caller = newSpanId()
    const res = await fetch(`${traced.url}/api/things/7?q=zz-secret`, {
      headers: { traceparent: traceparent(traceId, caller), 'user-agent': 'server-spans-test' },
    })
    assert.equal(res.status, 200)
    const seen = (await res.json()) as ReturnType<typeof activeSpan>
    const [server, ...more] = serverSpans(traceId)
    assert.ok(server, 'a server span')
    assert.equal(more.length, 0, 'exactly one SERVER span per request')
    assert.equal(server.parentSpanContext?.spanId, caller, "the caller's span is the parent")
    assert.equal(server.name, 'GET /api/things/:id')
    assert.equal(server.instrumentationScope.name, SERVER_SPAN_SCOPE)
    assert.deepEqual(
      { ...server.attributes, 'client.address': undefined, 'network.protocol.version': undefined },
      {
        'http.request.method': 'GET',
        'http.route': '/api/things/:id',
        'http.response.status_code': 200,
        'url.scheme': 'http',
        'url.path': '/api/things/7',
        'user_agent.original': 'server-spans-test',
        'client.address': undefined,
        'network.protocol.version': undefined,
      },
    )
    assert.equal(server.status.code, SpanStatusCode.UNSET)
    assert.deepEqual(seen, {
      traceId,
      spanId: server.spanContext().spanId,
      recording: true,
      suppressed: false,
    })
    const child = ended.find((s) => s.spanContext().traceId === traceId && s.name === 'child')
    assert.equal(child?.parentSpanContext?.spanId, server.spanContext().spanId)
    assert.deepEqual(
      asked.map((a) => [a.name, a.kind, a.attributes]),
      [
        ['GET /api/things/:id', SpanKind.SERVER, {}],
        ['child', SpanKind.INTERNAL, {}],
      ],
      'the sampler decides before any attribute is built',
    )
  })

  it('a request with a body: the span is active in the handler, after the parser', async () => {
    const traceId = newTraceId()
    const res = await fetch(`${traced.url}/api/things`, {
      method: 'POST',
      headers: {
        traceparent: traceparent(traceId, newSpanId()),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: 'x'.repeat(100_000) }),
    })
    assert.equal(res.status, 200)
    const seen = (await res.json()) as ReturnType<typeof activeSpan>
    const [server] = serverSpans(traceId)
    assert.equal(server?.name, 'POST /api/things')
    assert.equal(seen.spanId, server?.spanContext().spanId)
  })

  it('a request not sampled: no attributes built, the span not touched, its context active', async () => {
    sampled = false
    const touched: { method: string; spanId: string }[] = []
    const nonRecording = Object.getPrototypeOf(
      trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
    ) as Record<string, (this: Span, ...args: unknown[]) => unknown>
    const methods = ['setAttribute', 'setAttributes', 'updateName', 'setStatus', 'addEvent', 'end']
    const originals = methods.map((m) => nonRecording[m])
    methods.forEach((method, i) => {
      nonRecording[method] = function (this: Span, ...args: unknown[]) {
        touched.push({ method, spanId: this.spanContext().spanId })
        return originals[i]?.apply(this, args)
      }
    })
    const traceId = newTraceId()
    const caller = newSpanId()
    let seen: ReturnType<typeof activeSpan>
    try {
      const res = await fetch(`${traced.url}/api/plain/3?q=zz-secret`, {
        headers: { traceparent: traceparent(traceId, caller) },
      })
      assert.equal(res.status, 200)
      seen = (await res.json()) as ReturnType<typeof activeSpan>
      // onResponse runs after the answer is out.
      await sleep(50)
    } finally {
      methods.forEach((method, i) => (nonRecording[method] = originals[i]!))
    }
    assert.deepEqual(
      asked.map((a) => [a.name, a.kind, a.attributes]),
      [['GET /api/plain/:id', SpanKind.SERVER, {}]],
      'one decision, asked with no attributes',
    )
    assert.equal(seen.traceId, traceId, "the caller's trace id stays active (logs, calls)")
    assert.notEqual(seen.spanId, caller)
    assert.equal(seen.recording, false)
    assert.deepEqual(
      touched.filter((t) => t.spanId === seen.spanId),
      [],
      'nothing set on the unsampled server span',
    )
    assert.deepEqual(serverSpans(traceId), [])
  })

  it('a 5xx from an error: ERROR with the error handler status and an exception event', async () => {
    const traceId = newTraceId()
    const res = await fetch(`${traced.url}/boom`, {
      headers: { traceparent: traceparent(traceId, newSpanId()) },
    })
    assert.equal(res.status, 500)
    const [server] = serverSpans(traceId)
    assert.equal(server?.status.code, SpanStatusCode.ERROR)
    assert.equal(server?.status.message, 'it broke', "the error handler's (scrubbed) message")
    assert.equal(server?.attributes['http.response.status_code'], 500)
    assert.equal(server?.attributes['error.type'], '500')
    assert.deepEqual(
      server?.events.map((e) => e.name),
      ['exception'],
    )
  })

  it('a 5xx answered without an error: ERROR all the same', async () => {
    const traceId = newTraceId()
    const res = await fetch(`${traced.url}/bare-500`, {
      headers: { traceparent: traceparent(traceId, newSpanId()) },
    })
    assert.equal(res.status, 500)
    const [server] = serverSpans(traceId)
    assert.equal(server?.status.code, SpanStatusCode.ERROR)
    assert.equal(server?.attributes['http.response.status_code'], 500)
  })

  it('a 4xx that quotes the request: its reason as the status, the body nowhere', async () => {
    const traceId = newTraceId()
    const marker = `marker-${randomBytes(6).toString('hex')}`
    const res = await fetch(`${traced.url}/api/things`, {
      method: 'POST',
      headers: {
        traceparent: traceparent(traceId, newSpanId()),
        'content-type': 'application/json',
      },
      body: `{"name": ${marker}`,
    })
    assert.equal(res.status, 400)
    const [server] = serverSpans(traceId)
    assert.equal(server?.status.message, 'bad_request')
    assert.doesNotMatch(JSON.stringify(server?.attributes), new RegExp(marker))
  })

  it('probes run with tracing suppressed and the relay untraced: no span, no decision', async () => {
    const traceId = newTraceId()
    const headers = { traceparent: traceparent(traceId, newSpanId()) }
    const probe = (await (await fetch(`${traced.url}/healthz`, { headers })).json()) as ReturnType<
      typeof activeSpan
    >
    assert.equal(probe.suppressed, true)
    const relay = await fetch(`${traced.url}/otlp/v1/traces`, { method: 'POST', headers })
    assert.equal(((await relay.json()) as ReturnType<typeof activeSpan>).traceId, undefined)
    assert.deepEqual(asked, [])
    assert.deepEqual(
      ended.filter((s) => s.spanContext().traceId === traceId),
      [],
    )
  })

  it("SHOPSCOPE_ABLATE=server-spans: no span, the caller's context active", async () => {
    const traceId = newTraceId()
    const caller = newSpanId()
    const res = await fetch(`${ablated.url}/api/plain/1`, {
      headers: { traceparent: traceparent(traceId, caller) },
    })
    const seen = (await res.json()) as ReturnType<typeof activeSpan>
    assert.deepEqual(seen, { traceId, spanId: caller, recording: false, suppressed: false })
    assert.deepEqual(asked, [])
    assert.deepEqual(serverSpans(traceId), [])
  })
})
