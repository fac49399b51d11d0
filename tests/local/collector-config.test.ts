// The one collector config (cdk8s/collector/config.yaml), checked by the collector built from
// the repo's manifest: `otelcol validate` with the cluster's and the local values, a typo
// rejected, and a real run whose output carries the metric names docs/telemetry.md promises.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { freePort } from '../harness'
import { parseAllDocuments, stringify } from 'yaml'
import { readInputs } from '../../cdk8s/src/inputs'
import { synth } from '../../cdk8s/src/synth'
import { COLLECTOR_CONFIG, collectorBinary, localCollectorEnv } from '../../scripts/local/collector'
import { startOtlpSink } from '../../scripts/local/otlp-sink'
import { eventually } from './eventually'

const ROOT = join(__dirname, '..', '..')

interface CollectorResource {
  kind: string
  spec: { config: unknown; env?: { name: string; value?: string }[] }
}

/**
 * The collector the cluster runs: the OpenTelemetryCollector CR of a fresh cdk8s synthesis (into
 * a temporary directory), its embedded config written to a file and its literal env values.
 */
function clusterCollector() {
  const outdir = mkdtempSync(join(tmpdir(), 'shopscope-synth-'))
  synth(readInputs(), outdir)
  const resources = readdirSync(outdir)
    .filter((f) => f.endsWith('.k8s.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(outdir, f), 'utf8')))
    .map((doc) => doc.toJS() as CollectorResource | null)
  const cr = resources.find((r) => r?.kind === 'OpenTelemetryCollector')
  assert.ok(cr, 'no OpenTelemetryCollector in the synthesized manifests')
  const config = join(outdir, 'collector-config.yaml')
  writeFileSync(config, stringify(cr.spec.config))
  const env = Object.fromEntries((cr.spec.env ?? []).map((e) => [e.name, e.value ?? 'from-pod']))
  return { config, env, outdir }
}

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

describe('otelcol validate of the collector config', () => {
  let cluster: ReturnType<typeof clusterCollector>
  before(() => {
    cluster = clusterCollector()
  })
  after(() => rmSync(cluster.outdir, { recursive: true, force: true }))

  it('is the repo file, embedded as is in the synthesized OpenTelemetryCollector', () => {
    const repo = parseAllDocuments(readFileSync(COLLECTOR_CONFIG, 'utf8'))[0]?.toJS()
    const embedded = parseAllDocuments(readFileSync(cluster.config, 'utf8'))[0]?.toJS()
    assert.deepEqual(embedded, repo)
  })

  it('accepts the cluster values (the CR env, listen addresses at their defaults)', () => {
    assert.ok(cluster.env.JAEGER_OTLP_ENDPOINT, 'the CR sets no JAEGER_OTLP_ENDPOINT')
    const { status, output } = validate(cluster.config, cluster.env)
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
    const typo = join(cluster.outdir, 'typo-config.yaml')
    writeFileSync(typo, source.replace('send_batch_size:', 'send_batch_sise:'))
    const { status, output } = validate(typo, cluster.env)
    assert.notEqual(status, 0)
    assert.match(output, /send_batch_sise/)
  })

  it('rejects a missing backend endpoint instead of starting without it', () => {
    const { JAEGER_OTLP_ENDPOINT: _jaeger, ...withoutJaeger } = cluster.env
    const { status, output } = validate(COLLECTOR_CONFIG, withoutJaeger)
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
