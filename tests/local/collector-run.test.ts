// The collector built from the repo's manifest, running cdk8s/collector/config.yaml outside
// Kubernetes: what it receives reaches the real trace and log backends of the local stack
// (Jaeger, VictoriaLogs) and Prometheus under the names docs/telemetry.md promises, and the
// k8sattributes switch is what lets it start here.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  jaegerBinary,
  jaegerSpec,
  victoriaLogsBinary,
  victoriaLogsOtlp,
  victoriaLogsSpec,
} from '../../dev/local/backends'
import {
  COLLECTOR_CONFIG,
  collectorBinary,
  collectorPorts,
  localCollectorEnv,
} from '../../dev/local/collector'
import { reservePortBlock } from '../../dev/local/ports'
import {
  spawnDetached,
  stopProcess,
  waitUntilReady,
  type RunningProcess,
} from '../../dev/local/processes'
import { jaegerTrace, logsOfTrace } from './backends'
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

type Urls = { otlp: string; exporter: string; telemetry: string; jaeger: string; logs: string }

/**
 * The collector exporting to Jaeger and VictoriaLogs. `refused`: to real servers that refuse
 * every export as a permanent error, so the collector counts it failed at once, without retries:
 * Jaeger's gRPC query port (no OTLP service there: Unimplemented) and a VictoriaLogs path that
 * does not exist (400).
 */
async function startCollector({ refused = false } = {}) {
  const block = await reservePortBlock()
  const { ports } = block
  const runDir = mkdtempSync(join(tmpdir(), 'shopscope-collector-run-'))
  const started: RunningProcess[] = []
  const stop = async () => {
    await Promise.all(started.map((p) => stopProcess(p.pid)))
    rmSync(runDir, { recursive: true, force: true })
    block.release()
  }
  const run = async (name: string, spec: Omit<RunningProcess['spec'], 'log'>) => {
    const proc = spawnDetached({ ...spec, log: join(runDir, `${name}.log`) })
    started.push(proc)
    // 90 s: a new machine builds Kubernetes in the background meanwhile (a cold CI run timed out
    // here at 30 s).
    await waitUntilReady(name, proc, 90_000)
  }
  const at = (p: number) => `http://127.0.0.1:${p}`
  try {
    await Promise.all([
      run('jaeger', jaegerSpec(runDir, jaegerBinary(), ports)),
      run('victorialogs', victoriaLogsSpec(runDir, victoriaLogsBinary(), ports)),
    ])
    await run('collector', {
      command: collectorBinary(),
      args: ['--config', COLLECTOR_CONFIG],
      env: localCollectorEnv(collectorPorts(ports), {
        jaegerOtlp: `127.0.0.1:${refused ? ports.jaegerQueryGrpc : ports.jaegerOtlpGrpc}`,
        logsOtlp: refused ? `${at(ports.logs)}/insert/refused/v1/logs` : victoriaLogsOtlp(ports),
      }),
      readyUrl: at(ports.collectorHealth),
    })
  } catch (err) {
    // Nothing may outlive a failed start: a backend left running kept the test file from ending.
    await stop()
    throw err
  }
  const urls: Urls = {
    otlp: at(ports.otlpHttp),
    exporter: `${at(ports.collectorMetrics)}/metrics`,
    telemetry: `${at(ports.collectorTelemetry)}/metrics`,
    jaeger: at(ports.jaeger),
    logs: at(ports.logs),
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

    const [span] = await eventually('the span in Jaeger', async () => {
      const found = await jaegerTrace(urls.jaeger, traceId)
      return found.length > 0 ? found : undefined
    })
    assert.equal(span?.resource['service.name'], 'probe')
    assert.equal(span?.name, 'GET /probe')
    const [log] = await eventually('the log record in VictoriaLogs', async () => {
      const found = await logsOfTrace(urls.logs, traceId)
      return found.length > 0 ? found : undefined
    })
    assert.equal(log?._msg, 'probe log')
    assert.equal(log?.['service.name'], 'probe')
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
    ;({ stop, urls } = await startCollector({ refused: true }))
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
    const block = await reservePortBlock()
    const ports = collectorPorts(block.ports)
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
      block.release()
    }
  })
})
