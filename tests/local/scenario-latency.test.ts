// Scenario (d) on the local stack: latency injected into product-service (PUT /admin/faults)
// under load fires HighLatency for product-service, and the traces in the trace backend show
// the slow product-service span inside its caller's trace.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { eventually } from './eventually'
import { startLoad, type Load } from './load'
import { deliveries, setFaults, sleep, spans, useLocalStack, type LocalStack } from './local-stack'

const INJECTED_MS = 800
const SPAN_KIND_SERVER = 2

describe('local stack: latency injected into product-service', () => {
  let stack: LocalStack
  let load: Load | undefined
  before(async () => {
    stack = await useLocalStack('latency')
  })
  after(async () => {
    await load?.stop()
    await stack?.stop()
  })

  it('(d) HighLatency fires and the trace shows the slow span', async () => {
    const { state } = stack
    load = await startLoad(state, { requestsPerSecond: 15 })
    await sleep(10_000)
    assert.deepEqual(await deliveries(state), [], 'alerts before the fault')

    const injectedAt = Date.now()
    const switches = await setFaults(state, 'product-service', { latencyMs: INJECTED_MS })
    assert.equal(switches.latencyMs, INJECTED_MS)
    const highLatency = await eventually(
      'HighLatency for product-service delivered',
      async () =>
        (await deliveries(state)).find(
          (d) =>
            d.alertname === 'HighLatency' &&
            d.status === 'firing' &&
            d.labels.service_name === 'product-service',
        ),
      120_000,
      500,
    )
    console.log(
      `latency injected → HighLatency{http_route="${highLatency.labels.http_route}"} delivered ` +
        `after ${((highLatency.receivedAt - injectedAt) / 1000).toFixed(1)} s`,
    )
    assert.equal(highLatency.receiver, 'warning')

    const slow = (
      await spans(state, { service: 'product-service', minDurationMs: String(INJECTED_MS) })
    ).filter((s) => s.kind === SPAN_KIND_SERVER && s.parentSpanId !== '')
    assert.ok(slow.length > 0, 'no slow product-service server span with a caller')
    // The caller's trace holds the slow span: its client span waited at least as long.
    const found = await eventually('a caller trace around a slow span', async () => {
      for (const span of slow.slice(-20)) {
        const trace = await spans(state, { traceId: span.traceId })
        const caller = trace.find((s) => s.spanId === span.parentSpanId)
        if (caller && caller.resource['service.name'] !== 'product-service')
          return { span, caller, trace }
      }
      return undefined
    })
    console.log(
      `slow trace ${found.span.traceId}: ${String(found.caller.resource['service.name'])} "${found.caller.name}" ` +
        `${found.caller.durationMs.toFixed(0)} ms → product-service "${found.span.name}" ` +
        `${found.span.durationMs.toFixed(0)} ms`,
    )
    assert.ok(found.caller.durationMs >= INJECTED_MS)
    assert.ok(new Set(found.trace.map((s) => s.resource['service.name'])).size >= 2)

    await setFaults(state, 'product-service', { latencyMs: 0 })
  })
})
