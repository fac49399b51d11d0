import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { dependencyUrlEnv } from '@shopscope/system'
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver'
import {
  FAST_EXPORT_ENV,
  stagedBootstrap,
  startServiceProcess,
  type ServiceProcess,
} from './service-process'

/**
 * An error's message may quote the request (JSON.parse's quotes the body; Fastify 5.12 replaces
 * that one by its own), and the request span's status is the error handler's to set: the
 * frontend's own (it renders pages, not kit's problems) sets it as kit's does, a 4xx by the
 * problem's reason. (@fastify/otel, before the bootstrap's own server hook, wrote the raw
 * message from its onError hook; nothing may again.)
 */
describe("the frontend's error pages leave no request text in the span status", () => {
  let otlp: OtlpReceiver
  let frontend: ServiceProcess

  before(async () => {
    otlp = await startOtlpReceiver()
    const nowhere = 'http://127.0.0.1:9'
    frontend = await startServiceProcess('frontend', {
      requires: [stagedBootstrap()],
      env: {
        ...FAST_EXPORT_ENV,
        OTEL_SERVICE_NAME: 'frontend',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
        SHOPSCOPE_TRUST_TRACEPARENT: 'true',
        ...dependencyUrlEnv('frontend', () => nowhere),
      },
    })
  })
  after(async () => {
    await frontend?.stop()
    await otlp?.close()
  })

  it('a malformed JSON body to a page: a 400 page, the body nowhere in the exported spans', async () => {
    const marker = `marker-${randomBytes(6).toString('hex')}`
    const traceId = randomBytes(16).toString('hex')
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`
    for (const path of ['/login', '/cart/items', '/checkout']) {
      const res = await fetch(`${frontend.url}${path}`, {
        method: 'POST',
        headers: { traceparent, 'content-type': 'application/json' },
        body: `{"email": ${marker}`,
      })
      assert.equal(res.status, 400, path)
      assert.match(String(res.headers.get('content-type')), /^text\/html/)
    }
    // SIGTERM flushes what the exporters still hold.
    await frontend.stop()
    const spans = otlp.spans.filter((s) => s.traceId === traceId && s.kind === 2)
    // The error's own message ('Body is not valid JSON…' here) is replaced by the problem's reason.
    assert.deepEqual(
      spans.map((s) => [s.name, s.statusMessage]),
      [
        ['POST /login', 'bad_request'],
        ['POST /cart/items', 'bad_request'],
        ['POST /checkout', 'bad_request'],
      ],
    )
    const leaked = otlp.spans.filter((s) => JSON.stringify(s).includes(marker))
    assert.deepEqual(
      leaked.map((s) => `${s.name}: ${s.statusMessage}`),
      [],
    )
    assert.ok(!otlp.payloads.some((payload) => payload.includes(marker)), 'marker in OTLP bytes')
  })
})
