import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server, type Socket } from 'node:net'
import { freePort, useMariaDb, type MariaDb } from '@shopscope/tests/harness'
import {
  stagedBootstrap,
  startServiceProcess,
  startTogether,
  type ServiceProcess,
} from './service-process'

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

/** Accepts connections and never answers: a collector behind a network that drops packets. */
async function startBlackhole(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => void sockets.add(socket))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

describe('collector unreachable', () => {
  let db: MariaDb
  let blackhole: Awaited<ReturnType<typeof startBlackhole>>
  let baseline: ServiceProcess
  const down: Record<string, ServiceProcess> = {}

  before(async () => {
    db = await useMariaDb()
    blackhole = await startBlackhole()
    const common = {
      OTEL_SERVICE_NAME: 'product-service',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
    }
    const withTelemetryTo = (endpoint: string) =>
      startServiceProcess('product-service', {
        db,
        requires: [stagedBootstrap()],
        env: { ...common, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
      })
    ;[baseline, down.refused, down.blackholed] = await startTogether([
      startServiceProcess('product-service', { db, env: { ...common, OTEL_SDK_DISABLED: 'true' } }),
      // Nothing listens there: every export is refused at once.
      withTelemetryTo(`http://127.0.0.1:${await freePort()}`),
      withTelemetryTo(blackhole.endpoint),
    ])
  })
  after(async () => {
    for (const service of [baseline, ...Object.values(down)]) await service?.stop()
    await blackhole?.close()
    await db?.stop()
  })

  for (const mode of ['refused', 'blackholed']) {
    it(`${mode}: requests keep the latency of a service without telemetry`, async () => {
      const service = down[mode] as ServiceProcess
      await medianLatencyMs(baseline.url) // warm-up: JIT, pool connections
      await medianLatencyMs(service.url)
      const withoutTelemetry = await medianLatencyMs(baseline.url)
      const collectorDown = await medianLatencyMs(service.url)
      // Generous: an export blocking requests would add its timeout (a second), not milliseconds.
      assert.ok(
        collectorDown < withoutTelemetry * 3 + 50,
        `median ${collectorDown.toFixed(1)} ms vs ${withoutTelemetry.toFixed(1)} ms without telemetry`,
      )
    })
  }

  for (const mode of ['refused', 'blackholed']) {
    it(`${mode}: one warning, not one per failed export, and the service keeps running`, async () => {
      const service = down[mode] as ServiceProcess
      // Several export rounds of every signal fail (or time out) meanwhile.
      await medianLatencyMs(service.url)
      await new Promise((r) => setTimeout(r, 3_000))
      const warnings = service.records.filter(
        (r) => r.component === 'telemetry' && r.level !== 'info',
      )
      assert.equal(warnings.length, 1, JSON.stringify(warnings, null, 1))
      assert.equal(warnings[0]?.level, 'warn')
      assert.match(String(warnings[0]?.message), /telemetry export failed/)
      // Nor on stderr: no stack trace or error line printed outside the JSON log per failure.
      const unstructured = service
        .output()
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('{'))
      assert.deepEqual(unstructured, [])
      assert.ok(service.running(), 'the service is still up')
      assert.equal((await fetch(`${service.url}/readyz`)).status, 200)
    })
  }
})
