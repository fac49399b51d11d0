// The one collector config (cdk8s/collector/config.yaml), checked by the collector built from
// the repo's manifest: `otelcol validate` with the cluster's and the local values, a typo
// rejected, and a real run whose output carries the metric names docs/telemetry.md promises.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { freePort } from '../harness'
import {
  CLUSTER_COLLECTOR_ENV,
  COLLECTOR_CONFIG,
  collectorBinary,
  localCollectorEnv,
} from '../../scripts/local/collector'
import { startOtlpSink } from '../../scripts/local/otlp-sink'
import { eventually } from './eventually'

const ROOT = join(__dirname, '..', '..')

function validate(config: string, env: Record<string, string>) {
  const result = spawnSync(collectorBinary(), ['validate', `--config=${config}`], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

async function localPorts() {
  return {
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
    prometheusExporter: await freePort(),
    healthCheck: await freePort(),
    telemetry: await freePort(),
  }
}

const OFFLINE_BACKENDS = { jaegerOtlp: '127.0.0.1:1', lokiOtlp: 'http://127.0.0.1:1/otlp' }

describe('otelcol validate of cdk8s/collector/config.yaml', () => {
  it('accepts the cluster values (every listen address at its default)', () => {
    const { status, output } = validate(COLLECTOR_CONFIG, CLUSTER_COLLECTOR_ENV)
    assert.equal(status, 0, output)
  })

  it('accepts the local stack values', async () => {
    const { status, output } = validate(
      COLLECTOR_CONFIG,
      localCollectorEnv(await localPorts(), OFFLINE_BACKENDS),
    )
    assert.equal(status, 0, output)
  })

  it('rejects a misspelled key', () => {
    const source = readFileSync(COLLECTOR_CONFIG, 'utf8')
    assert.match(source, /send_batch_size:/)
    const typo = join(mkdtempSync(join(tmpdir(), 'otelcol-typo-')), 'config.yaml')
    writeFileSync(typo, source.replace('send_batch_size:', 'send_batch_sise:'))
    const { status, output } = validate(typo, CLUSTER_COLLECTOR_ENV)
    assert.notEqual(status, 0)
    assert.match(output, /send_batch_sise/)
  })

  it('rejects a missing backend endpoint instead of starting without it', () => {
    const { status, output } = validate(COLLECTOR_CONFIG, {
      LOKI_OTLP_ENDPOINT: CLUSTER_COLLECTOR_ENV.LOKI_OTLP_ENDPOINT,
    })
    assert.notEqual(status, 0)
    assert.match(output, /otlp\/jaeger/)
  })
})

/** otelcol_* names of the metric table in docs/telemetry.md. */
function documentedCollectorMetrics(): string[] {
  const doc = readFileSync(join(ROOT, 'docs', 'telemetry.md'), 'utf8')
  return [...doc.matchAll(/^\| `(otelcol_[a-z_]+)` \|/gm)].map((m) => m[1] ?? '')
}

describe('the collector running config.yaml outside Kubernetes', () => {
  let stop: () => Promise<void>
  let urls: { otlp: string; exporter: string; telemetry: string; sink: string }

  before(async () => {
    const ports = await localPorts()
    const sinkPorts = { grpc: await freePort(), http: await freePort() }
    const sink = await startOtlpSink(sinkPorts.grpc, sinkPorts.http)
    const child = spawn(collectorBinary(), ['--config', COLLECTOR_CONFIG], {
      env: {
        PATH: process.env.PATH,
        ...localCollectorEnv(ports, {
          jaegerOtlp: `127.0.0.1:${sinkPorts.grpc}`,
          lokiOtlp: `http://127.0.0.1:${sinkPorts.http}/otlp`,
        }),
      },
      stdio: 'ignore',
    })
    stop = async () => {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
      await sink.stop()
    }
    const at = (p: number) => `http://127.0.0.1:${p}`
    urls = {
      otlp: at(ports.otlpHttp),
      exporter: `${at(ports.prometheusExporter)}/metrics`,
      telemetry: `${at(ports.telemetry)}/metrics`,
      sink: at(sinkPorts.http),
    }
    await eventually('collector health check', async () => (await fetch(at(ports.healthCheck))).ok)
  })
  after(() => stop())

  it('forwards spans and logs to the trace and log backends, and derives span metrics', async () => {
    const now = BigInt(Date.now()) * 1_000_000n
    const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'probe' } }] }
    const traceId = '5b8efff798038103d269b633813fc60c'
    const post = (path: string, body: unknown) =>
      fetch(`${urls.otlp}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const spans = await post('/v1/traces', {
      resourceSpans: [
        {
          resource,
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
    })
    assert.equal(spans.status, 200)
    const logs = await post('/v1/logs', {
      resourceLogs: [
        {
          resource,
          scopeLogs: [{ logRecords: [{ body: { stringValue: 'probe log' }, traceId }] }],
        },
      ],
    })
    assert.equal(logs.status, 200)
    const metrics = await post('/v1/metrics', {
      resourceMetrics: [
        {
          resource,
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
    const documented = documentedCollectorMetrics()
    assert.ok(documented.length >= 10, `only ${documented.length} otelcol_* names in the docs`)
    const text = await eventually('internal metrics', async () => {
      const body = await (await fetch(urls.telemetry)).text()
      return body.includes('otelcol_exporter_sent_spans_total') ? body : undefined
    })
    const missing = documented.filter((name) => !new RegExp(`^${name}\\{`, 'm').test(text))
    assert.deepEqual(missing, [])
  })
})
