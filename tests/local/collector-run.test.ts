// The collector built from the repo's manifest, running cdk8s/collector/config.yaml outside
// Kubernetes: what it receives reaches the trace and log backends and Prometheus under the names
// docs/telemetry.md promises, and the k8sattributes switch is what lets it start here.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { freePort } from '../harness'
import { COLLECTOR_CONFIG, collectorBinary, localCollectorEnv } from '../../scripts/local/collector'
import { startOtlpSink } from '../../scripts/local/otlp-sink'
import { localCollectorPorts } from './collector-ports'
import { eventually } from './eventually'

const ROOT = join(__dirname, '..', '..')

/** otelcol_* names of the metric table in docs/telemetry.md; `onFailure`: the rows that exist only
 * once an export has failed (the collector creates those series at the first failure). */
function documentedCollectorMetrics(onFailure: boolean): string[] {
  const doc = readFileSync(join(ROOT, 'docs', 'telemetry.md'), 'utf8')
  return [...doc.matchAll(/^\| `(otelcol_[a-z_]+)` \|.*$/gm)]
    .filter((m) => m[0].includes('first failed export') === onFailure)
    .map((m) => m[1] ?? '')
}

type Urls = { otlp: string; exporter: string; telemetry: string; sink: string }

/** The collector exporting to an OTLP sink standing in for Jaeger and Loki. */
async function startCollector(sinkOptions: { refuse?: boolean } = {}) {
  const ports = await localCollectorPorts()
  const sinkPorts = { grpc: await freePort(), http: await freePort() }
  const sink = await startOtlpSink(sinkPorts.grpc, sinkPorts.http, sinkOptions)
  const child = spawn(collectorBinary(), ['--config', COLLECTOR_CONFIG], {
    env: {
      PATH: process.env.PATH,
      ...localCollectorEnv(ports, {
        jaegerOtlp: `127.0.0.1:${sinkPorts.grpc}`,
        logsOtlp: `http://127.0.0.1:${sinkPorts.http}/otlp/v1/logs`,
      }),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + String(chunk)).slice(-4000)))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const stop = async () => {
    child.kill('SIGTERM')
    await exited
    await sink.stop()
  }
  const at = (p: number) => `http://127.0.0.1:${p}`
  const urls: Urls = {
    otlp: at(ports.otlpHttp),
    exporter: `${at(ports.prometheusExporter)}/metrics`,
    telemetry: `${at(ports.telemetry)}/metrics`,
    sink: at(sinkPorts.http),
  }
  try {
    // 90 s: a new machine builds Kubernetes in the background meanwhile (a cold CI run timed out
    // here at 30 s).
    await eventually(
      'collector health check',
      async () => {
        if (child.exitCode !== null) throw new Error(`collector exited ${child.exitCode}`)
        return (await fetch(at(ports.healthCheck))).ok
      },
      90_000,
    )
  } catch (err) {
    // Nothing may outlive a failed start: a sink left listening kept the test file from ending.
    await stop()
    throw new Error(`${(err as Error).message}\ncollector stderr (end):\n${stderr}`)
  }
  return { stop, urls }
}

const probeResource = { attributes: [{ key: 'service.name', value: { stringValue: 'probe' } }] }

function postOtlp(urls: Urls, path: string, body: unknown) {
  return fetch(`${urls.otlp}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

function probeLogs(traceId: string) {
  return {
    resourceLogs: [
      {
        resource: probeResource,
        scopeLogs: [{ logRecords: [{ body: { stringValue: 'probe log' }, traceId }] }],
      },
    ],
  }
}

function probeSpans(traceId: string, now: bigint) {
  return {
    resourceSpans: [
      {
        resource: probeResource,
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: 'eee19b7ec3c1b174',
                name: 'GET /probe',
                kind: 2,
                startTimeUnixNano: String(now - 250_000_000n),
                endTimeUnixNano: String(now),
              },
            ],
          },
        ],
      },
    ],
  }
}

describe('the collector running config.yaml outside Kubernetes', () => {
  let stop: (() => Promise<void>) | undefined
  let urls: Urls

  before(async () => {
    ;({ stop, urls } = await startCollector())
  })
  after(() => stop?.())

  it('forwards spans and logs to the trace and log backends, and derives span metrics', async () => {
    const now = BigInt(Date.now()) * 1_000_000n
    const traceId = '5b8efff798038103d269b633813fc60c'
    const post = (path: string, body: unknown) => postOtlp(urls, path, body)
    const spans = await post('/v1/traces', probeSpans(traceId, now))
    assert.equal(spans.status, 200)
    const logs = await post('/v1/logs', probeLogs(traceId))
    assert.equal(logs.status, 200)
    const metrics = await post('/v1/metrics', {
      resourceMetrics: [
        {
          resource: probeResource,
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'probe.runs',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [{ asInt: '1', timeUnixNano: String(now) }],
                  },
                },
              ],
            },
          ],
        },
      ],
    })
    assert.equal(metrics.status, 200)

    await eventually('span and log in the backends', async () => {
      const stats = (await (await fetch(`${urls.sink}/api/stats`)).json()) as {
        spans: { byService: Record<string, number> }
        logs: { byService: Record<string, number> }
      }
      return stats.spans.byService.probe === 1 && stats.logs.byService.probe === 1
    })
    const exported = await eventually('span metrics', async () => {
      const text = await (await fetch(urls.exporter)).text()
      return text.includes('traces_span_metrics_calls_total{') ? text : undefined
    })
    const calls = exported.split('\n').find((l) => l.startsWith('traces_span_metrics_calls_total{'))
    assert.match(calls ?? '', /service_name="probe"/)
    assert.match(calls ?? '', /span_name="GET \/probe"/)
    assert.match(exported, /traces_span_metrics_duration_seconds_bucket\{.*le="0\.25"/)
    assert.match(exported, /^probe_runs_total\{.*service_name="probe".*\} 1$/m)
    // Per-process details never become labels.
    assert.doesNotMatch(exported, /process_command_args=/)
  })

  it('exposes every otelcol_* metric docs/telemetry.md lists', async () => {
    const documented = documentedCollectorMetrics(false)
    assert.ok(documented.length >= 10, `only ${documented.length} otelcol_* names in the docs`)
    const text = await eventually('internal metrics', async () => {
      const body = await (await fetch(urls.telemetry)).text()
      return body.includes('otelcol_exporter_sent_spans_total') ? body : undefined
    })
    const missing = documented.filter((name) => !new RegExp(`^${name}\\{`, 'm').test(text))
    assert.deepEqual(missing, [])
  })
})

describe('the collector exporting to backends that refuse every export', () => {
  let stop: (() => Promise<void>) | undefined
  let urls: Urls

  before(async () => {
    ;({ stop, urls } = await startCollector({ refuse: true }))
  })
  after(() => stop?.())

  it('counts the refused spans and log records per exporter, under the documented names', async () => {
    const documented = documentedCollectorMetrics(true)
    assert.deepEqual(documented.sort(), [
      'otelcol_exporter_send_failed_log_records_total',
      'otelcol_exporter_send_failed_spans_total',
    ])
    const traceId = '0af7651916cd43dd8448eb211c80319c'
    const now = BigInt(Date.now()) * 1_000_000n
    assert.equal((await postOtlp(urls, '/v1/traces', probeSpans(traceId, now))).status, 200)
    assert.equal((await postOtlp(urls, '/v1/logs', probeLogs(traceId))).status, 200)
    const text = await eventually('send_failed series', async () => {
      const body = await (await fetch(urls.telemetry)).text()
      return documented.every((name) => body.includes(`${name}{`)) ? body : undefined
    })
    assert.match(
      text,
      /^otelcol_exporter_send_failed_spans_total\{.*exporter="otlp_grpc\/jaeger".*\} 1$/m,
    )
    assert.match(
      text,
      /^otelcol_exporter_send_failed_log_records_total\{.*exporter="otlp_http\/logs".*\} 1$/m,
    )
  })
})

describe('k8sattributes outside Kubernetes', () => {
  it('keeps the collector from starting without K8SATTRIBUTES_PASSTHROUGH (no API server)', async () => {
    const ports = await localCollectorPorts()
    const { K8SATTRIBUTES_PASSTHROUGH: _local, ...clusterMode } = localCollectorEnv(ports, {
      jaegerOtlp: '127.0.0.1:1',
      logsOtlp: 'http://127.0.0.1:1/otlp/v1/logs',
    })
    const child = spawn(collectorBinary(), ['--config', COLLECTOR_CONFIG], {
      env: { PATH: process.env.PATH, ...clusterMode },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      await eventually('the kube client error', async () =>
        output.includes('KUBERNETES_SERVICE_HOST'),
      )
      const healthy = await fetch(`http://127.0.0.1:${ports.healthCheck}`).then(
        (res) => res.ok,
        () => false,
      )
      assert.equal(healthy, false, 'the collector reports healthy without its processor')
    } finally {
      child.kill('SIGKILL')
    }
  })
})
