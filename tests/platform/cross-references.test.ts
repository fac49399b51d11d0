import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { COLLECTOR, NAMESPACES, REPO_ROOT } from '@shopscope/system'
import { parse } from 'yaml'
import { DEV_DATABASE_PASSWORDS } from '../../cdk8s/src/charts/shop-chart'
import { kubePrometheusStackValues } from '../../cdk8s/src/kube-prometheus-stack-values'
import { UPSTREAM_PODS } from '../../cdk8s/src/names'
import {
  type K8sObject,
  VERSIONS,
  ciValuesFiles,
  helmTemplate,
  parseObjects,
  readObjects,
  synthPlatform,
} from '../../dev/cluster/render'
import { CHART_DIR } from '../../dev/cluster/tools'

const kindValuesFile = ciValuesFiles().find((f) => f.endsWith('kind-values.yaml')) as string
const chart = parseObjects(helmTemplate([kindValuesFile]))
const platform = readObjects(synthPlatform().files)
const instrumentation = parse(
  readFileSync(join(REPO_ROOT, 'operator-config', 'instrumentation.yaml'), 'utf8'),
) as K8sObject
const chartValues = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'))
const kindValues = parse(readFileSync(kindValuesFile, 'utf8'))
const kps = kubePrometheusStackValues('unused', VERSIONS)

const matches = (
  selector: Record<string, string> | undefined,
  labels: Record<string, string> = {},
) => Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value)
const one = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name)
  assert.ok(found, `${kind} ${name} not found`)
  return found
}
const namespaces = new Set(
  platform.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name),
)
/** The Service a URL points at (`http://name.namespace.svc.cluster.local:port/...`). */
function serviceOf(url: string): { name: string; namespace: string; port: number } {
  const match = /^(?:https?:\/\/)?([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?:(\d+)/.exec(
    url,
  )
  assert.ok(match, `not an in-cluster Service URL: ${url}`)
  return { name: match[1]!, namespace: match[2]!, port: Number(match[3]) }
}

describe('cross-references between chart, cdk8s output and operator-config', () => {
  it('Instrumentation: the chart annotation names it, and it exports to the Collector Service', () => {
    const { namespace, name } = instrumentation.metadata
    assert.equal(chartValues.telemetry.instrumentation, `${namespace}/${name}`)
    assert.ok(namespaces.has(namespace!), `namespace ${namespace} is not created`)
    const target = serviceOf(instrumentation.spec.exporter.endpoint)
    const collector = one(platform, 'OpenTelemetryCollector', COLLECTOR.name)
    assert.equal(
      `${collector.metadata.name}-collector`,
      target.name,
      'operator names the Service <cr>-collector',
    )
    assert.equal(collector.metadata.namespace, target.namespace)
    const httpEndpoint = String(collector.spec.config.receivers.otlp.protocols.http.endpoint)
    assert.match(
      httpEndpoint,
      new RegExp(`:${target.port}\\}?$`),
      `the Collector does not listen on ${target.port}`,
    )
    assert.equal(serviceOf(chartValues.telemetry.otlpEndpoint).port, target.port)
    assert.equal(chartValues.telemetry.collector.namespace, target.namespace)
    assert.equal(chartValues.telemetry.collector.port, target.port)
  })

  it("the chart's default trace sampling is the Instrumentation's, and reaches every container", () => {
    const { type, argument } = instrumentation.spec.sampler
    assert.equal(type, 'parentbased_traceidratio')
    assert.equal(chartValues.telemetry.traceSampleRatio, argument)
    // Staging keeps the chart's default; kind asks for every trace.
    const staging = ciValuesFiles().find((f) => f.endsWith('staging-values.yaml')) as string
    const production = parseObjects(helmTemplate([staging]))
    const deployments = production.filter((o) => o.kind === 'Deployment')
    assert.ok(deployments.length > 0)
    for (const d of deployments) {
      for (const c of d.spec.template.spec.containers) {
        const env = Object.fromEntries(
          c.env.map((e: { name: string; value?: string }) => [e.name, e.value]),
        )
        assert.equal(env.OTEL_TRACES_SAMPLER, type, `${d.metadata.name}/${c.name}`)
        assert.equal(env.OTEL_TRACES_SAMPLER_ARG, argument, `${d.metadata.name}/${c.name}`)
      }
    }
  })
  it('every object lives in a namespace the cdk8s app creates', () => {
    for (const o of [...chart, ...platform, instrumentation]) {
      if (o.kind === 'Namespace' || o.kind.startsWith('Cluster')) continue
      assert.ok(
        namespaces.has(o.metadata.namespace ?? ''),
        `${o.kind} ${o.metadata.name} in ${o.metadata.namespace}`,
      )
    }
  })

  it('each ServiceMonitor selects a Service with the named port', () => {
    const services = [...chart, ...platform].filter((o) => o.kind === 'Service')
    const collector = one(platform, 'OpenTelemetryCollector', COLLECTOR.name)
    for (const monitor of platform.filter((o) => o.kind === 'ServiceMonitor')) {
      const port = monitor.spec.endpoints[0].port
      if (monitor.metadata.name.startsWith(COLLECTOR.serviceName)) {
        // Services the operator creates: labelled with the CR's namespace.name.
        assert.equal(
          monitor.spec.selector.matchLabels['app.kubernetes.io/instance'],
          `${NAMESPACES.observability}.${COLLECTOR.name}`,
        )
        const exposed = [
          'monitoring',
          ...(collector.spec.ports ?? []).map((p: { name: string }) => p.name),
        ]
        assert.ok(exposed.includes(port), `collector port ${port}`)
        continue
      }
      const targets = services.filter(
        (s) =>
          s.metadata.namespace === monitor.metadata.namespace &&
          matches(monitor.spec.selector.matchLabels, s.metadata.labels),
      )
      assert.equal(
        targets.length,
        1,
        `ServiceMonitor ${monitor.metadata.name} selects ${targets.length} Services`,
      )
      assert.ok(
        targets[0]!.spec.ports.some((p: { name: string }) => p.name === port),
        `${monitor.metadata.name}: no port ${port}`,
      )
    }
  })

  it('kube-prometheus-stack selects our ServiceMonitors, PrometheusRules, AlertmanagerConfig and dashboards', () => {
    const spec = kps.prometheus.prometheusSpec
    for (const [kind, selector] of [
      ['ServiceMonitor', spec.serviceMonitorSelector],
      ['PrometheusRule', spec.ruleSelector],
      ['AlertmanagerConfig', kps.alertmanager.alertmanagerSpec.alertmanagerConfigSelector],
    ] as const) {
      const objects = platform.filter((o) => o.kind === kind)
      assert.ok(objects.length > 0, `no ${kind}`)
      const labels = 'matchLabels' in selector ? selector.matchLabels : undefined
      for (const o of objects)
        assert.ok(matches(labels, o.metadata.labels), `${kind} ${o.metadata.name} is not selected`)
    }
    const sidecar = kps.grafana.sidecar.dashboards
    const dashboards = platform.filter(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('dashboard-'),
    )
    for (const d of dashboards) assert.equal(d.metadata.labels?.[sidecar.label], sidecar.labelValue)
  })

  it('Grafana datasources have fixed uids and point at Services that exist', () => {
    const sources = kps.grafana.additionalDataSources
    assert.deepEqual(sources.map((s) => s.uid).sort(), ['jaeger', 'loki', 'prometheus'])
    for (const source of sources.filter((s) => s.uid !== 'prometheus')) {
      const target = serviceOf(source.url)
      const service = one(platform, 'Service', target.name)
      assert.ok(
        service.spec.ports.some((p: { port: number }) => p.port === target.port),
        source.url,
      )
    }
    assert.equal(
      serviceOf(sources.find((s) => s.uid === 'prometheus')!.url).name,
      `${kps.fullnameOverride}-prometheus`,
    )
  })

  it('the kind DATABASE_URLs use the MySQL Services, users and passwords cdk8s creates', () => {
    const secret = one(chart, 'Secret', 'shopscope-secrets')
    for (const [database, password] of Object.entries(DEV_DATABASE_PASSWORDS)) {
      const url = Object.values(kindValues.secrets.values as Record<string, string>).find((u) =>
        u.endsWith(`/${database}`),
      )
      assert.ok(url, `no DATABASE_URL for ${database}`)
      const parsed = new URL(url)
      const mysql = one(platform, 'Secret', `mysql-${database}`).stringData!
      assert.equal(parsed.username, mysql.MYSQL_USER)
      assert.equal(parsed.password, password)
      assert.equal(parsed.password, mysql.MYSQL_PASSWORD)
      const target = serviceOf(`${parsed.hostname}:${parsed.port}`)
      assert.equal(one(platform, 'Service', target.name).metadata.namespace, target.namespace)
      assert.ok(Object.values(secret.stringData!).includes(url))
    }
  })

  it('the chart reads credentials only from its Secret, and NetworkPolicies reach the MySQL pods', () => {
    for (const deployment of chart.filter((o) => o.kind === 'Deployment')) {
      for (const env of deployment.spec.template.spec.containers[0].env) {
        if (env.valueFrom?.secretKeyRef)
          assert.equal(env.valueFrom.secretKeyRef.name, 'shopscope-secrets')
      }
    }
    for (const policy of chart.filter((o) => o.kind === 'NetworkPolicy')) {
      for (const rule of policy.spec.egress ?? []) {
        if (rule.ports?.[0]?.port !== 3306) continue
        const selector = rule.to[0].podSelector.matchLabels
        const pods = platform.filter(
          (o) => o.kind === 'StatefulSet' && matches(selector, o.spec.template.metadata.labels),
        )
        assert.equal(pods.length, 1, `${policy.metadata.name} reaches ${pods.length} MySQL pods`)
      }
    }
  })

  it('NetworkPolicies let Prometheus (its pods, in its namespace) scrape and the Collector receive', () => {
    const frontend = one(chart, 'NetworkPolicy', 'shopscope-frontend')
    const scrape = frontend.spec.ingress.find((r: { from?: unknown[] }) =>
      JSON.stringify(r.from ?? []).includes('namespaceSelector'),
    )
    assert.equal(
      scrape.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
      NAMESPACES.observability,
    )
    assert.deepEqual(scrape.from[0].podSelector.matchLabels, UPSTREAM_PODS.prometheus.labels)
    const toCollector = frontend.spec.egress.find(
      (r: { ports: { port: number }[] }) => r.ports[0]!.port === 4318,
    )
    // The operator labels collector pods with component=opentelemetry-collector.
    assert.equal(
      toCollector.to[0].podSelector.matchLabels['app.kubernetes.io/component'],
      'opentelemetry-collector',
    )
  })
})
