import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { NAMESPACES, NODE_PORTS } from '@shopscope/system'
import { parse, stringify } from 'yaml'
import { kubePrometheusStackValues } from '../../cdk8s/src/kube-prometheus-stack-values'
import { UPSTREAM_PODS } from '../../cdk8s/src/names'
import { type K8sObject, VERSIONS, parseObjects, synthPlatform } from '../../dev/cluster/render'
import { kubeconform } from './lib/kubeconform'
import { runSyncOk } from '../../dev/cluster/run'
import { KPS_CHART, OPERATOR_CHART, chartSource as installSource } from '../../dev/cluster/charts'
import {
  chartMetadata,
  chartPath,
  chartsDir,
  operatorValuesArgs,
  templateUpstream,
} from './lib/upstream-charts'

const OPERATOR_NAMESPACE = 'opentelemetry-operator-system'
const work = mkdtempSync(join(tmpdir(), 'shopscope-upstream-'))

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind)
const one = (objects: K8sObject[], kind: string, name?: RegExp): K8sObject => {
  const found = byKind(objects, kind).filter((o) => !name || name.test(o.metadata.name))
  assert.equal(found.length, 1, `${kind} ${name ?? ''}: ${found.map((o) => o.metadata.name)}`)
  return found[0]!
}
const containers = (workload: K8sObject): { name: string; image: string; args?: string[] }[] =>
  workload.spec.template.spec.containers

/** Each chart rendered once for all the suites (memoized: `before` hooks may not all run). */
const memo = <T>(fn: () => T): (() => T) => {
  let value: T | undefined
  return () => (value ??= fn())
}
const renderOperator = memo(() => {
  const chart = chartPath('opentelemetry-operator', VERSIONS.OTEL_OPERATOR_CHART_VERSION!)
  const result = templateUpstream('opentelemetry-operator', chart, OPERATOR_NAMESPACE, [
    ...operatorValuesArgs(),
  ])
  assert.equal(result.code, 0, result.stderr)
  return parseObjects(result.stdout)
})
const renderKps = memo(() => {
  const chart = chartPath('kube-prometheus-stack', VERSIONS.KUBE_PROMETHEUS_STACK_CHART_VERSION!)
  // What `make synth` writes to cdk8s/dist, from the same code, in a fresh directory.
  const valuesFile = join(synthPlatform().dir, 'kube-prometheus-stack-values.yaml')
  const result = templateUpstream('kps', chart, NAMESPACES.observability, [
    '--include-crds',
    '--values',
    valuesFile,
  ])
  assert.equal(result.code, 0, result.stderr)
  return { valuesFile, objects: parseObjects(result.stdout) }
})

describe('upstream charts, packaged in CHARTS_DIR (default ../shared/charts)', () => {
  it('finds the directory, or fails naming CHARTS_DIR and ../shared/charts', () => {
    assert.match(chartsDir(), /\S/)
    const missing = join(work, 'no-such-dir')
    process.env.CHARTS_DIR = missing
    try {
      assert.throws(chartsDir, new RegExp(`CHARTS_DIR=${missing} is not a directory`))
    } finally {
      delete process.env.CHARTS_DIR
    }
  })

  it('cluster up installs from the repository without a packaged chart, else from the .tgz', () => {
    // A checkout with no ../shared next to it.
    const checkout = join(mkdtempSync(join(work, 'bare-')), 'repo')
    const demo = { chart: 'demo', repository: 'https://charts.test' }
    assert.deepEqual(installSource(demo, '1.2.3', {}, checkout), [
      'demo',
      '--repo',
      'https://charts.test',
      '--version',
      '1.2.3',
    ])
    const packaged = mkdtempSync(join(work, 'charts-'))
    assert.throws(
      () => installSource(demo, '1.2.3', { CHARTS_DIR: packaged }, checkout),
      /has no demo-1\.2\.3\.tgz/,
    )
    writeFileSync(join(packaged, 'demo-1.2.3.tgz'), '')
    assert.deepEqual(installSource(demo, '1.2.3', { CHARTS_DIR: packaged }, checkout), [
      `${packaged}/demo-1.2.3.tgz`,
    ])
  })

  it('names each chart with its pinned version and its repository', () => {
    for (const chart of [OPERATOR_CHART, KPS_CHART]) {
      assert.match(VERSIONS[chart.versionKey] ?? '', /^\d+\.\d+\.\d+$/, chart.versionKey)
      assert.match(chart.repository, /^https:\/\//)
    }
  })
})

describe('opentelemetry-operator chart with operator-config values', () => {
  const version = VERSIONS.OTEL_OPERATOR_CHART_VERSION!
  let chart = ''
  let objects: K8sObject[] = []

  before(() => {
    chart = chartPath('opentelemetry-operator', version)
    objects = renderOperator()
  })

  it('is the pinned chart, of the pinned operator release', () => {
    const meta = chartMetadata(chart)
    assert.equal(meta.version, version)
    assert.equal(`v${meta.appVersion}`, VERSIONS.OTEL_OPERATOR_VERSION)
    const manager = containers(one(objects, 'Deployment'))
    assert.deepEqual(
      manager.map((c) => c.name),
      ['manager'],
      'no kube-rbac-proxy sidecar',
    )
    assert.match(manager[0]!.image, new RegExp(`:${meta.appVersion}$`))
  })

  it('defaults collectors to the pinned contrib image', () => {
    const args = containers(one(objects, 'Deployment'))[0]!.args!
    assert.ok(args.includes(`--collector-image=${VERSIONS.OTELCOL_CONTRIB_IMAGE}`), args.join(' '))
  })

  it('serves its webhooks with a chart-generated certificate, no cert-manager', () => {
    assert.deepEqual(byKind(objects, 'Certificate'), [])
    assert.deepEqual(byKind(objects, 'Issuer'), [])
    const secret = objects.find((o) => o.kind === 'Secret' && o.type === 'kubernetes.io/tls')!
    assert.ok(secret?.data?.['tls.crt'], 'webhook serving certificate')
    const mutating = one(objects, 'MutatingWebhookConfiguration')
    const webhooks = mutating.webhooks as { name: string; clientConfig: { caBundle: string } }[]
    assert.ok(
      webhooks.some((w) => w.name.startsWith('mpod.')),
      'pod injection webhook',
    )
    for (const webhook of webhooks) assert.ok(webhook.clientConfig.caBundle, webhook.name)
  })

  it('installs the CRDs our manifests use', () => {
    const crds = byKind(objects, 'CustomResourceDefinition').map((o) => o.metadata.name)
    for (const crd of [
      'opentelemetrycollectors.opentelemetry.io',
      'instrumentations.opentelemetry.io',
    ])
      assert.ok(crds.includes(crd), crd)
  })

  it("rejects a values key the chart's schema does not know", () => {
    const result = templateUpstream('opentelemetry-operator', chart, OPERATOR_NAMESPACE, [
      ...operatorValuesArgs(),
      '--set',
      'manager.collectorImageTypo=x',
    ])
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, /additional properties 'collectorImageTypo' not allowed/)
  })
})

describe('kube-prometheus-stack chart with the synthesized values', () => {
  const version = VERSIONS.KUBE_PROMETHEUS_STACK_CHART_VERSION!
  let chart = ''
  let valuesFile = ''
  let objects: K8sObject[] = []

  before(() => {
    chart = chartPath('kube-prometheus-stack', version)
    const rendered = renderKps()
    valuesFile = rendered.valuesFile
    objects = rendered.objects
  })

  it('is the pinned chart, of the pinned prometheus-operator release', () => {
    const meta = chartMetadata(chart)
    assert.equal(meta.version, version)
    assert.equal(meta.appVersion, VERSIONS.PROMETHEUS_OPERATOR_VERSION)
  })

  it('runs every component at the release pinned in versions.env', () => {
    const prometheus = one(objects, 'Prometheus')
    assert.equal(
      prometheus.spec.image,
      `quay.io/prometheus/prometheus:${VERSIONS.PROMETHEUS_VERSION}-distroless`,
    )
    assert.equal(prometheus.spec.version, VERSIONS.PROMETHEUS_VERSION)
    assert.equal(
      one(objects, 'Alertmanager').spec.image,
      `quay.io/prometheus/alertmanager:${VERSIONS.ALERTMANAGER_VERSION}`,
    )
    const operator = containers(one(objects, 'Deployment', /-operator$/))[0]!
    assert.equal(
      operator.image,
      `quay.io/prometheus-operator/prometheus-operator:${VERSIONS.PROMETHEUS_OPERATOR_VERSION}`,
    )
    assert.ok(
      operator.args!.includes(
        `--prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:${VERSIONS.PROMETHEUS_OPERATOR_VERSION}`,
      ),
      operator.args!.join(' '),
    )
    assert.equal(
      containers(one(objects, 'Deployment', /kube-state-metrics$/))[0]!.image,
      `registry.k8s.io/kube-state-metrics/kube-state-metrics:${VERSIONS.KUBE_STATE_METRICS_VERSION}`,
    )
    assert.equal(
      containers(one(objects, 'DaemonSet', /node-exporter$/))[0]!.image,
      // The chart's choice of variant, as for Prometheus.
      `quay.io/prometheus/node-exporter:${VERSIONS.NODE_EXPORTER_VERSION}-distroless`,
    )
  })

  it('takes those tags from versions.env, not from the chart defaults', () => {
    const moved = { ...VERSIONS }
    const keys = [
      'PROMETHEUS_OPERATOR_VERSION',
      'PROMETHEUS_VERSION',
      'ALERTMANAGER_VERSION',
      'KUBE_STATE_METRICS_VERSION',
      'NODE_EXPORTER_VERSION',
    ]
    for (const key of keys) moved[key] = `v0.0.${keys.indexOf(key)}-test`
    const file = join(work, 'kps-moved-values.yaml')
    writeFileSync(file, stringify(kubePrometheusStackValues('unused', moved)))
    const result = templateUpstream('kps', chart, NAMESPACES.observability, ['--values', file])
    assert.equal(result.code, 0, result.stderr)
    const images = [...result.stdout.matchAll(/image: "?([^"\s]+)/g)].map((m) => m[1]).join(' ')
    for (const key of keys) assert.match(images, new RegExp(`:${moved[key]}\\b`), key)
  })

  it('provisions Grafana with our three linked datasources, and no chart default', () => {
    const configMap = one(objects, 'ConfigMap', /-grafana-datasource$/)
    const provisioning = parse(configMap.data!['datasource.yaml']!) as {
      datasources: { uid: string; isDefault?: boolean }[]
    }
    assert.deepEqual(provisioning.datasources.map((d) => d.uid).sort(), [
      'jaeger',
      'loki',
      'prometheus',
    ])
    assert.deepEqual(
      provisioning.datasources.filter((d) => d.isDefault).map((d) => d.uid),
      ['prometheus'],
    )
  })

  it('exposes Grafana, Prometheus and Alertmanager on the node ports kind maps', () => {
    const nodePort = (name: RegExp) =>
      one(objects, 'Service', name).spec.ports.find((p: { nodePort?: number }) => p.nodePort)
        ?.nodePort
    assert.equal(nodePort(/-grafana$/), NODE_PORTS.grafana)
    assert.equal(nodePort(/-prometheus$/), NODE_PORTS.prometheus)
    assert.equal(nodePort(/-alertmanager$/), NODE_PORTS.alertmanager)
  })

  // Single replicas: on one node together, one failure domain (monitoring-placement.ts). That
  // label is on the Prometheus pods: tests/platform/isolation.test.ts renders them.
  it('runs Alertmanager and kube-state-metrics on the node of the Prometheus pod', () => {
    // The chart adds its soft anti-affinity between Alertmanager replicas: moot with one.
    const onPrometheusNode = {
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          labelSelector: { matchLabels: UPSTREAM_PODS.prometheus.labels },
          namespaces: [NAMESPACES.observability],
          topologyKey: 'kubernetes.io/hostname',
        },
      ],
    }
    assert.deepEqual(one(objects, 'Alertmanager').spec.affinity.podAffinity, onPrometheusNode)
    assert.deepEqual(
      one(objects, 'Deployment', /kube-state-metrics$/).spec.template.spec.affinity.podAffinity,
      onPrometheusNode,
    )
  })

  it('installs the CRDs of the kinds our manifests use', () => {
    const crds = byKind(objects, 'CustomResourceDefinition').map((o) => o.metadata.name)
    for (const crd of ['servicemonitors', 'prometheusrules', 'alertmanagerconfigs'])
      assert.ok(crds.includes(`${crd}.monitoring.coreos.com`), crd)
  })

  // This chart ships no values.schema.json: helm accepts any key and ignores a misspelled one.
  // So every key our values set must be one the chart (or the subchart it goes to) declares in
  // its values.yaml or reads in its templates, down to where the default is an open map ({}).
  it('sets only keys the chart and its subcharts declare or read', () => {
    const values = parse(readFileSync(valuesFile, 'utf8'))
    const chartDir = extract(chart)
    assert.deepEqual(unknownKeys(values, chartDir), [])
    values.prometheus.prometheusSpec.retentionTypo = '2d'
    values.grafana.sidecar.datasources.defaultDatasourceEnabeld = false
    values.grafana.adminPasword = 'x'
    assert.deepEqual(unknownKeys(values, chartDir), [
      'prometheus.prometheusSpec.retentionTypo',
      'grafana.sidecar.datasources.defaultDatasourceEnabeld',
      'grafana.adminPasword',
    ])
  })
})

describe('both upstream charts, rendered, under kubeconform -strict', () => {
  // CRDs are left out: their schema is the OpenAPI document they carry, which the API server
  // checks on install, and the recursive JSONSchemaProps type has no finite generated schema.
  // null values are dropped as the API server drops them (the charts render a few, e.g. empty
  // annotations).
  const objects = () =>
    [...renderOperator(), ...renderKps().objects]
      .filter((o) => o.kind !== 'CustomResourceDefinition')
      .map((o) => withoutNulls(o) as K8sObject)
  const validate = (name: string, list: K8sObject[]) => {
    const file = join(work, name)
    writeFileSync(file, list.map((o) => stringify(o)).join('---\n'))
    return kubeconform([file])
  }

  it('accepts every object the two charts render with our values', () => {
    const result = validate('upstream.yaml', objects())
    assert.equal(result.code, 0, result.stdout + result.stderr)
    const summary = /Valid: (\d+), Invalid: (\d+), Errors: (\d+), Skipped: (\d+)/.exec(
      result.stdout,
    )
    assert.ok(summary, result.stdout)
    assert.ok(Number(summary[1]) > 100, `only ${summary[1]} objects validated`)
    assert.deepEqual(summary.slice(2), ['0', '0', '0'])
  })

  it('rejects a misspelled field in the Prometheus the chart renders', () => {
    const prometheus = structuredClone(one(objects(), 'Prometheus'))
    prometheus.spec.retentionn = '2d'
    const result = validate('typo-prometheus.yaml', [prometheus])
    assert.notEqual(result.code, 0)
    assert.match(result.stdout, /additional properties 'retentionn' not allowed/)
  })
})

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls)
  if (!isMap(value)) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  )
}

type Values = Record<string, unknown>
const isMap = (value: unknown): value is Values =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function extract(chart: string): string {
  const dir = mkdtempSync(join(work, 'chart-'))
  runSyncOk('tar', ['-xzf', chart, '-C', dir])
  return join(dir, 'kube-prometheus-stack')
}

/** A chart's default values and the text of its templates (where `.Values.x.y` is read). */
function chartSource(dir: string): { defaults: Values; templates: string } {
  const templates = join(dir, 'templates')
  const files = readdirSync(templates, { recursive: true, encoding: 'utf8' })
    .map((file) => join(templates, file))
    .filter((file) => statSync(file).isFile())
  return {
    defaults: parse(readFileSync(join(dir, 'values.yaml'), 'utf8')) as Values,
    templates: files.map((file) => readFileSync(file, 'utf8')).join('\n'),
  }
}

/**
 * The dotted paths of `values` that the chart in `dir` neither declares nor reads. A top-level
 * key naming a subchart is checked against that subchart (the parent's defaults for it merged
 * over the subchart's own).
 */
function unknownKeys(values: Values, dir: string): string[] {
  const parent = chartSource(dir)
  const subcharts = readdirSync(join(dir, 'charts'))
  return Object.entries(values).flatMap(([key, value]) => {
    if (!subcharts.includes(key)) return walk({ [key]: value }, parent.defaults, parent, [])
    const sub = chartSource(join(dir, 'charts', key))
    const defaults = merge(sub.defaults, parent.defaults[key]) as Values
    return walk(value, defaults, sub, [key])
  })
}

function walk(
  ours: unknown,
  defaults: unknown,
  chart: { templates: string },
  path: string[],
  depth = path.length,
): string[] {
  if (!isMap(ours) || !isMap(defaults) || Object.keys(defaults).length === 0) return []
  return Object.entries(ours).flatMap(([key, value]) => {
    const at = [...path, key]
    if (key in defaults) return walk(value, defaults[key], chart, at, depth)
    // Read by a template though not declared (a commented-out example in values.yaml).
    const relative = at.slice(depth).join('.')
    const read = new RegExp(`\\.Values\\.${relative.replaceAll('.', '\\.')}\\b`)
    return read.test(chart.templates) ? [] : [at.join('.')]
  })
}

function merge(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over ?? base
  const merged: Values = { ...base }
  for (const [key, value] of Object.entries(over)) merged[key] = merge(base[key], value)
  return merged
}
