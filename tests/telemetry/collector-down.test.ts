import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { freePort, useMariaDb, type MariaDb } from '@shopscope/tests/harness'
import { stagedBootstrap, startServiceProcess, type ServiceProcess } from './service-process'

const REQUESTS = 40

async function medianLatencyMs(url: string): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < REQUESTS; i++) {
    const start = performance.now()
    const res = await fetch(`${url}/api/v1/products/${(i % 5) + 1}`)
    assert.equal(res.status, 200, 'every request succeeds')
    await res.arrayBuffer()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] ?? 0
}

describe('collector unreachable', () => {
  let db: MariaDb
  let baseline: ServiceProcess
  let orphaned: ServiceProcess

  before(async () => {
    db = await useMariaDb()
    const common = {
      OTEL_SERVICE_NAME: 'product-service',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
    }
    // Nothing listens there: every export is refused.
    const closedPort = await freePort()
    ;[baseline, orphaned] = await Promise.all([
      startServiceProcess('product-service', {
        db,
        env: { ...common, OTEL_SDK_DISABLED: 'true' },
      }),
      startServiceProcess('product-service', {
        db,
        requires: [stagedBootstrap()],
        env: { ...common, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}` },
      }),
    ])
  })
  after(async () => {
    await baseline?.stop()
    await orphaned?.stop()
    await db?.stop()
  })

  it('answers at the latency of a service without telemetry', async () => {
    await medianLatencyMs(baseline.url) // warm-up: JIT, pool connections
    await medianLatencyMs(orphaned.url)
    const withoutTelemetry = await medianLatencyMs(baseline.url)
    const collectorDown = await medianLatencyMs(orphaned.url)
    // Generous: an export blocking requests would add its timeout (seconds), not milliseconds.
    assert.ok(
      collectorDown < withoutTelemetry * 3 + 50,
      `median ${collectorDown.toFixed(1)} ms vs ${withoutTelemetry.toFixed(1)} ms without telemetry`,
    )
  })

  it('logs one warning, not one per failed export, and keeps running', async () => {
    // Several export rounds of every signal have failed by now.
    await new Promise((r) => setTimeout(r, 2_000))
    await medianLatencyMs(orphaned.url)
    await new Promise((r) => setTimeout(r, 1_000))
    const warnings = orphaned.records.filter(
      (r) => r.component === 'telemetry' && r.level !== 'info',
    )
    assert.equal(warnings.length, 1, JSON.stringify(warnings, null, 1))
    assert.equal(warnings[0]?.level, 'warn')
    assert.match(String(warnings[0]?.message), /telemetry export failed/)
    assert.ok(orphaned.running(), 'the service is still up')
    assert.doesNotMatch(orphaned.output(), /ECONNREFUSED.*\n.*ECONNREFUSED/s, 'no error flood')
  })
})
