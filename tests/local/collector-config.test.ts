// The one collector config (cdk8s/collector/config.yaml), checked by the collector built from
// the repo's manifest: `otelcol validate` of what the cluster embeds, with the cluster's and the
// local values, and a misspelled key or a missing endpoint rejected.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parseAllDocuments, stringify } from 'yaml'
import { readInputs } from '../../cdk8s/src/inputs'
import { synth } from '../../cdk8s/src/synth'
import {
  COLLECTOR_CONFIG,
  collectorBinary,
  collectorPorts,
  localCollectorEnv,
} from '../../dev/local/collector'
import { configuredPorts } from '../../dev/local/ports'

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

const OFFLINE_BACKENDS = { jaegerOtlp: '127.0.0.1:1', logsOtlp: 'http://127.0.0.1:1/otlp/v1/logs' }

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

  it('accepts the local stack values', () => {
    const { status, output } = validate(
      COLLECTOR_CONFIG,
      localCollectorEnv(collectorPorts(configuredPorts({})), OFFLINE_BACKENDS),
    )
    assert.equal(status, 0, output)
  })

  it('uses no deprecated component name or setting (the collector warns about each)', () => {
    const { status, output } = validate(cluster.config, cluster.env)
    assert.equal(status, 0, output)
    assert.doesNotMatch(output, /deprecat/i)
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
    assert.match(output, /otlp_grpc\/jaeger/)
  })

  it('rejects a missing logs endpoint (the one logs exporter has no other URL)', () => {
    const { LOGS_OTLP_ENDPOINT: _logs, ...withoutLogs } = cluster.env
    const { status, output } = validate(COLLECTOR_CONFIG, withoutLogs)
    assert.notEqual(status, 0)
    assert.match(output, /otlp_http\/logs/)
  })
})
