import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startTestService, type TestService } from '@shopscope/tests/harness'
import { BROWSER_SERVICE_NAME, LIMITS } from '../src/otlp-spans'
import { BODY_LIMIT, collectorTracesUrl, OTLP_TRACES_PATH, RATE_BURST } from '../src/routes/otlp'
import { service } from '../src/service'
import { deadUrl } from './helpers'

/** A stand-in Collector: keeps what it is sent, answers `status`. */
interface Collector {
  url: string
  received: { path: string; type: string; body: unknown }[]
  status: number
  close(): Promise<void>
}

async function startCollector(): Promise<Collector> {
  const collector = { received: [], status: 200 } as unknown as Collector
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (c: Buffer) => chunks.push(c))
    request.on('end', () => {
      collector.received.push({
        path: request.url ?? '',
        type: request.headers['content-type'] ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
      })
      response.writeHead(collector.status, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  collector.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  collector.close = () => new Promise((resolve) => server.close(() => resolve()))
  return collector
}

const hex = (length: number, seed: number) =>
  (seed.toString(16).padStart(4, '1') + 'a'.repeat(length)).slice(0, length)

/** What the browser's OTLP/JSON exporter sends, with `count` spans. */
function browserExport(count = 1, resourceAttributes: { key: string; value: unknown }[] = []) {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'frontend-web' } },
            { key: 'telemetry.sdk.language', value: { stringValue: 'webjs' } },
            ...resourceAttributes,
          ],
          droppedAttributesCount: 0,
        },
        scopeSpans: [
          {
            scope: { name: '@opentelemetry/instrumentation-document-load', version: '0.69.0' },
            spans: Array.from({ length: count }, (_, i) => ({
              traceId: hex(32, i + 1),
              spanId: hex(16, i + 1),
              parentSpanId: '',
              name: 'documentLoad',
              kind: 1,
              startTimeUnixNano: '1765000000000000000',
              endTimeUnixNano: '1765000000100000000',
              attributes: [{ key: 'url.full', value: { stringValue: 'http://shop/' } }],
              droppedAttributesCount: 0,
              events: [{ timeUnixNano: '1765000000000000001', name: 'fetchStart', attributes: [] }],
              droppedEventsCount: 0,
              status: { code: 0 },
              links: [],
              droppedLinksCount: 0,
              smuggled: 'not forwarded',
            })),
          },
        ],
      },
    ],
  }
}

/** `count` spans of the fewest bytes in two scopes: the limit is on their sum. */
const manySpans = (count: number) => {
  const spans = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => ({
      traceId: hex(32, from + i + 1),
      spanId: hex(16, from + i + 1),
      name: 'x',
      startTimeUnixNano: 1,
      endTimeUnixNano: 2,
    }))
  const half = Math.ceil(count / 2)
  return {
    resourceSpans: [{ scopeSpans: [{ spans: spans(0, half) }, { spans: spans(half, count) }] }],
  }
}

const JSON_TYPE = { 'content-type': 'application/json' }

describe('POST /otlp/v1/traces, the browser span relay', () => {
  let collector: Collector
  let frontend: TestService
  let address = 0
  /** Each test its own client address, so the rate limit of one does not reach another. */
  const clientAddress = () => `198.51.100.${++address}`

  before(async () => {
    collector = await startCollector()
    frontend = await startTestService(service, undefined, {
      PRODUCT_SERVICE_URL: await deadUrl(),
      USER_SERVICE_URL: await deadUrl(),
      ORDER_SERVICE_URL: await deadUrl(),
      OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/`,
    })
  })
  after(async () => {
    await frontend?.close()
    await collector?.close()
  })
  beforeEach(() => {
    collector.received.length = 0
    collector.status = 200
  })

  const send = (
    payload: unknown,
    headers: Record<string, string> = JSON_TYPE,
    remoteAddress = clientAddress(),
  ) =>
    frontend.app.inject({
      method: 'POST',
      url: OTLP_TRACES_PATH,
      headers,
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      remoteAddress,
    })

  const metric = async (line: RegExp) => {
    const text = (await frontend.app.inject({ url: '/metrics' })).body
    return Number(line.exec(text)?.[1] ?? 0)
  }

  it('forwards a browser export to the Collector, with no CSRF token, as OTLP/JSON', async () => {
    const res = await send(browserExport(3))
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), {})
    assert.equal(collector.received.length, 1)
    const [sent] = collector.received
    assert.equal(sent?.path, '/v1/traces')
    assert.equal(sent?.type, 'application/json')
    const spans = (sent?.body as ReturnType<typeof browserExport>).resourceSpans[0]?.scopeSpans[0]
      ?.spans
    assert.equal(spans?.length, 3)
    assert.equal(spans?.[0]?.name, 'documentLoad')
    assert.equal(spans?.[0]?.smuggled, undefined, 'only the fields of OTLP are rebuilt')
  })

  it('makes every span the browser service, whatever the resource claims', async () => {
    await send(
      browserExport(1, [
        { key: 'service.name', value: { stringValue: 'order-service' } },
        { key: 'k8s.pod.name', value: { stringValue: 'order-service-7f9' } },
        { key: 'user_agent.original', value: { stringValue: 'Chromium' } },
      ]),
    )
    const body = collector.received[0]?.body as ReturnType<typeof browserExport>
    assert.deepEqual(body.resourceSpans[0]?.resource.attributes, [
      { key: 'service.name', value: { stringValue: BROWSER_SERVICE_NAME } },
      { key: 'telemetry.sdk.language', value: { stringValue: 'webjs' } },
      { key: 'user_agent.original', value: { stringValue: 'Chromium' } },
    ])
  })

  it('accepts application/json only, before reading the body', async () => {
    for (const type of [
      'text/plain',
      'application/x-protobuf',
      'application/x-www-form-urlencoded',
    ]) {
      const res = await send('{}', { 'content-type': type })
      assert.equal(res.statusCode, 415, type)
      assert.match(res.json().error, /application\/json/)
    }
    const untyped = await frontend.app.inject({
      method: 'POST',
      url: OTLP_TRACES_PATH,
      payload: '',
    })
    assert.equal(untyped.statusCode, 415)
    assert.equal(collector.received.length, 0)
  })

  it(`refuses a body over ${BODY_LIMIT} bytes with 413`, async () => {
    const res = await send({ resourceSpans: [], padding: 'x'.repeat(BODY_LIMIT) })
    assert.equal(res.statusCode, 413)
    assert.match(res.headers['content-type'] as string, /^application\/json/)
    assert.ok(res.json().error)
    assert.equal(collector.received.length, 0)
  })

  it('answers malformed exports with a 400 naming the problem, and forwards nothing', async () => {
    const oneSpan = (change: Record<string, unknown>) => {
      const body = browserExport(1)
      Object.assign(body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!, change)
      return body
    }
    const cases: [string, unknown, RegExp][] = [
      ['not JSON', '{"resourceSpans": [', /JSON/i],
      ['an array', [], /body/],
      ['resourceSpans not a list', { resourceSpans: 'x' }, /resourceSpans: must be an array/],
      ['a trace id that is not hex', oneSpan({ traceId: 'zz' }), /traceId: must be 32/],
      ['an all-zero span id', oneSpan({ spanId: '0'.repeat(16) }), /spanId: must not be all zeros/],
      ['a time that is no integer', oneSpan({ startTimeUnixNano: '1.5' }), /startTimeUnixNano/],
      [
        'an unknown value kind',
        oneSpan({ attributes: [{ key: 'k', value: { kvlistValue: {} } }] }),
        /value: must hold/,
      ],
      ['a kind out of range', oneSpan({ kind: 9 }), /kind: must be an integer from 0 to 5/],
      ['too many spans', manySpans(LIMITS.spans + 1), /at most 512 spans/],
    ]
    for (const [what, payload, message] of cases) {
      const res = await send(payload)
      assert.equal(res.statusCode, 400, what)
      assert.match(res.headers['content-type'] as string, /^application\/json/, what)
      assert.match(res.json().error, message, what)
    }
    assert.equal(collector.received.length, 0)
  })

  it(`limits each client address to a burst of ${RATE_BURST} exports, then 429`, async () => {
    const address = clientAddress()
    for (let i = 0; i < RATE_BURST; i++) {
      assert.equal((await send(browserExport(1), JSON_TYPE, address)).statusCode, 200)
    }
    const limited = await send(browserExport(1), JSON_TYPE, address)
    assert.equal(limited.statusCode, 429)
    assert.match(limited.headers['retry-after'] as string, /^[1-9][0-9]*$/)
    assert.match(limited.json().error, /Too many/)
    // Another address is not held back.
    assert.equal((await send(browserExport(1))).statusCode, 200)
    assert.equal(collector.received.length, RATE_BURST + 1)
  })

  it('never answers 5xx: a Collector that fails or is gone is a partial success, counted', async () => {
    const dropped = /^shopscope_browser_spans_dropped_total (\d+)/m
    const before = await metric(dropped)
    collector.status = 503
    const refused = await send(browserExport(2))
    assert.equal(refused.statusCode, 200)
    assert.deepEqual(refused.json().partialSuccess.rejectedSpans, '2')
    assert.match(refused.json().partialSuccess.errorMessage, /503/)
    assert.equal(await metric(dropped), before + 2)

    const orphan = await startTestService(service, undefined, {
      PRODUCT_SERVICE_URL: await deadUrl(),
      USER_SERVICE_URL: await deadUrl(),
      ORDER_SERVICE_URL: await deadUrl(),
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: await deadUrl(),
    })
    try {
      const gone = await orphan.app.inject({
        method: 'POST',
        url: OTLP_TRACES_PATH,
        headers: JSON_TYPE,
        payload: JSON.stringify(browserExport(4)),
      })
      assert.equal(gone.statusCode, 200)
      assert.equal(gone.json().partialSuccess.rejectedSpans, '4')
      assert.match(gone.json().partialSuccess.errorMessage, /unreachable/)
    } finally {
      await orphan.close()
    }
  })

  it('is no open proxy: the upstream is fixed at start, whatever the request says', async () => {
    const elsewhere = await startCollector()
    try {
      const res = await frontend.app.inject({
        method: 'POST',
        url: `${OTLP_TRACES_PATH}?endpoint=${encodeURIComponent(elsewhere.url)}`,
        headers: {
          ...JSON_TYPE,
          host: new URL(elsewhere.url).host,
          'x-forwarded-host': new URL(elsewhere.url).host,
        },
        payload: JSON.stringify(browserExport(1)),
        remoteAddress: clientAddress(),
      })
      assert.equal(res.statusCode, 200)
      assert.equal(elsewhere.received.length, 0)
      assert.equal(collector.received.length, 1)
      // Nothing but POST of OTLP/JSON at this one path (the shop's own 405 and 404 pages).
      assert.equal((await frontend.app.inject({ url: OTLP_TRACES_PATH })).statusCode, 405)
      assert.equal(
        (
          await frontend.app.inject({
            method: 'POST',
            url: '/otlp/v1/logs',
            headers: JSON_TYPE,
            payload: '{}',
          })
        ).statusCode,
        404,
      )
    } finally {
      await elsewhere.close()
    }
  })
})

describe('the Collector the relay sends to', () => {
  it('is the one the SDK exports traces to, from the same variables', () => {
    assert.equal(collectorTracesUrl({}), 'http://localhost:4318/v1/traces')
    assert.equal(
      collectorTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }),
      'http://collector:4318/v1/traces',
    )
    assert.equal(
      collectorTracesUrl({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom',
      }),
      'http://traces:4318/custom',
    )
  })
})
