import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, useMariaDb, type MariaDb } from '@shopscope/tests/harness'
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver'
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

type CollectorMode = 'refusing' | 'blackholing' | 'up'

/**
 * One port, three behaviours: a collector that resets every connection at once (as a refused
 * one, but countable), one that never answers, and a real OTLP receiver once it comes back.
 */
async function startSwitchableCollector(receiver: OtlpReceiver) {
  let mode: CollectorMode = 'refusing'
  const held = new Set<Socket>()
  const connections: Record<CollectorMode, number> = { refusing: 0, blackholing: 0, up: 0 }
  const server = createServer((socket) => {
    connections[mode]++
    if (mode === 'up') receiver.serve(socket)
    else if (mode === 'blackholing') held.add(socket)
    else socket.resetAndDestroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections,
    switchTo(next: CollectorMode) {
      mode = next
      for (const socket of held) socket.destroy()
      held.clear()
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of held) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** One sample of an OpenMetrics exposition, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  const line = text
    .split('\n')
    .find(
      (l) =>
        (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) &&
        wanted.every((w) => l.includes(w)),
    )
  return line ? Number(line.split(' ').at(-1)) : 0
}

const scrape = async (service: ServiceProcess) => (await fetch(`${service.url}/metrics`)).text()

async function waitForMetric(
  service: ServiceProcess,
  what: string,
  check: (text: string) => boolean,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const text = await scrape(service)
    if (check(text)) return text
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${text}`)
    await fetch(`${service.url}/api/v1/products/1`).then((r) => r.arrayBuffer())
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Requests for `ms`, four at a time; how many were made. */
async function loadFor(service: ServiceProcess, ms: number): Promise<number> {
  const end = Date.now() + ms
  let count = 0
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (Date.now() < end) {
        const res = await fetch(`${service.url}/api/v1/products/${(count % 5) + 1}`)
        assert.equal(res.status, 200)
        await res.arrayBuffer()
        count++
      }
    }),
  )
  return count
}

/**
 * A --require file for the service: on SIGUSR2, a full garbage collection, then the heap still
 * in use as a log line. What a queue keeps alive survives the collection; garbage does not.
 */
function heapProbe(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'heap-probe-')), 'heap-probe.cjs')
  writeFileSync(
    file,
    `require('v8').setFlagsFromString('--expose-gc')
const gc = require('vm').runInNewContext('gc')
process.on('SIGUSR2', () => {
  gc()
  process.stdout.write(JSON.stringify({ heap_after_gc: process.memoryUsage().heapUsed }) + '\\n')
})
`,
  )
  return file
}

async function heapAfterGc(service: ServiceProcess): Promise<number> {
  const seen = service.records.length
  service.signal('SIGUSR2')
  for (let i = 0; i < 100; i++) {
    const probe = service.records.slice(seen).find((r) => 'heap_after_gc' in r)
    if (probe) return Number(probe.heap_after_gc)
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('the heap probe did not answer')
}

const SIGNALS = ['spans', 'log_records', 'metric_points']
const breakerState = (text: string, signal: string) =>
  sample(text, 'shopscope_telemetry_export_breaker_state', { signal })
const dropped = (text: string, signal: string, reason: string) =>
  sample(text, 'shopscope_telemetry_dropped_total', { signal, reason })

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

  for (const mode of ['refused', 'blackholed']) {
    it(`${mode}: the export breaker opens and counts what it drops`, async () => {
      const service = down[mode] as ServiceProcess
      const text = await waitForMetric(service, 'the span breaker open', (metrics) =>
        ['spans', 'log_records'].every((signal) => breakerState(metrics, signal) === 2),
      )
      assert.ok(dropped(text, 'spans', 'export_failed') > 0, text)
      await loadFor(service, 300)
      assert.ok(dropped(await scrape(service), 'spans', 'breaker_open') > 0)
    })
  }
})

describe('export breaker: a dead collector stops the export work, and exports resume', () => {
  let db: MariaDb
  let receiver: OtlpReceiver
  let collector: Awaited<ReturnType<typeof startSwitchableCollector>>
  let service: ServiceProcess

  before(async () => {
    db = await useMariaDb()
    receiver = await startOtlpReceiver()
    collector = await startSwitchableCollector(receiver)
    const env = {
      OTEL_SERVICE_NAME: 'product-service',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      OTEL_BSP_MAX_QUEUE_SIZE: '512',
      OTEL_BLRP_MAX_QUEUE_SIZE: '512',
    }
    service = await startServiceProcess('product-service', {
      db,
      requires: [stagedBootstrap(), heapProbe()],
      env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint },
    })
  })
  after(async () => {
    await service?.stop()
    await collector?.close()
    await receiver?.close()
    await db?.stop()
  })

  it('opens after failed exports, then drops every record counted and attempts no export per batch', async (t) => {
    const opened = await waitForMetric(service, 'every breaker open', (text) =>
      SIGNALS.every((signal) => breakerState(text, signal) === 2),
    )
    // The three breakers share one collector and open together: the first signal whose export
    // fails opens them all, so the failed batches may be another signal's than the spans'.
    assert.ok(
      SIGNALS.some((signal) => dropped(opened, signal, 'export_failed') > 0),
      'the failed batches were counted',
    )
    const attemptsBefore = collector.connections.refusing
    const heapBefore = await heapAfterGc(service)
    const requests = await loadFor(service, 6_000)
    const attempts = collector.connections.refusing - attemptsBefore
    const heapGrowth = (await heapAfterGc(service)) - heapBefore
    const text = await scrape(service)
    // Open, then one probe per signal when the first 2 s window ends (each up to two attempts
    // within the 1 s timeout), the next window 4 s later: at most a handful of connections,
    // where exporting every 100 ms batch made several per second and signal.
    assert.ok(attempts <= 12, `${attempts} export attempts during ${requests} requests`)
    const droppedSpans = ['breaker_open', 'export_failed', 'queue_full']
      .map((reason) => dropped(text, 'spans', reason) - dropped(opened, 'spans', reason))
      .reduce((a, b) => a + b)
    assert.ok(dropped(text, 'spans', 'breaker_open') > dropped(opened, 'spans', 'breaker_open'))
    assert.ok(
      droppedSpans >= requests / 2,
      `${droppedSpans} spans counted as dropped for ${requests} requests`,
    )
    assert.ok(dropped(text, 'log_records', 'breaker_open') > 0, 'log records dropped unbuilt')
    // Bounded: nothing is kept for a collector that does not answer (a full queue of 512 spans
    // and 512 log records would be a few MB; thousands of requests' worth, tens).
    t.diagnostic(
      `${requests} requests, ${attempts} export attempts, ${droppedSpans} spans dropped, heap ${(heapGrowth / 1e6).toFixed(1)} MB`,
    )
    assert.ok(heapGrowth < 8e6, `heap grew by ${(heapGrowth / 1e6).toFixed(1)} MB`)
  })

  it('resumes exporting once the collector is back', async () => {
    collector.switchTo('up')
    await waitForMetric(service, 'every breaker closed', (text) =>
      SIGNALS.every((signal) => breakerState(text, signal) === 0),
    )
    // A trace of its own, so that only this service's records of it can match.
    const traceId = randomBytes(16).toString('hex')
    const res = await fetch(`${service.url}/api/v1/products/1`, {
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    })
    assert.equal(res.status, 200)
    await receiver.waitFor(
      'a span and a log record of a request after the collector came back',
      () =>
        receiver.spans.some((s) => s.traceId === traceId) &&
        receiver.logs.some((l) => l.traceId === traceId)
          ? true
          : undefined,
    )
  })
})
