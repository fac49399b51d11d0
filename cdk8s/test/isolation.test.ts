import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SERVICE_NAMES, SERVICES_WITH_DATABASE } from '@shopscope/system'
import { platformObjects } from './fixtures'
import { type Destination, type Source, admits } from './netpol'

const objects = platformObjects()
const all = Object.values(objects).flat()
const policies = all.filter((o) => o.kind === 'NetworkPolicy')
const templateLabels = (kind: string, name: string): Record<string, string> => {
  const found = all.find((o) => o.kind === kind && o.metadata.name === name)
  assert.ok(found, `${kind} ${name} not synthesized`)
  return found.spec.template.metadata.labels
}

// Destinations: our pods by their synthesized labels; the others by the labels their operator
// or chart gives them (tests/platform/isolation.test.ts checks these against the charts).
const shop = (labels: Record<string, string>): Destination => ({ namespace: 'shop', labels })
const obs = (labels: Record<string, string>): Destination => ({
  namespace: 'observability',
  labels,
})
const mysql = (db: string) => shop(templateLabels('StatefulSet', `mysql-${db}`))
const jaeger = obs(templateLabels('Deployment', 'jaeger'))
const loki = obs(templateLabels('StatefulSet', 'loki'))
const receiver = obs(templateLabels('Deployment', 'alert-receiver'))
const collector = obs({
  'app.kubernetes.io/component': 'opentelemetry-collector',
  'app.kubernetes.io/instance': 'observability.shopscope',
  'app.kubernetes.io/managed-by': 'opentelemetry-operator',
  'app.kubernetes.io/name': 'shopscope-collector',
})
const prometheusLabels = {
  'app.kubernetes.io/name': 'prometheus',
  'app.kubernetes.io/instance': 'kps-prometheus',
  prometheus: 'kps-prometheus',
}
const prometheus = obs(prometheusLabels)
const alertmanagerLabels = {
  'app.kubernetes.io/name': 'alertmanager',
  alertmanager: 'kps-alertmanager',
}
const alertmanager = obs(alertmanagerLabels)
const grafanaLabels = { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'kps' }
const grafana = obs(grafanaLabels)
const kubeStateMetrics = obs({ 'app.kubernetes.io/name': 'kube-state-metrics' })
const promOperator = obs({
  app: 'kube-prometheus-stack-operator',
  'app.kubernetes.io/component': 'prometheus-operator',
})
const otelOperator: Destination = {
  namespace: 'opentelemetry-operator-system',
  labels: {
    'app.kubernetes.io/name': 'opentelemetry-operator',
    'app.kubernetes.io/component': 'controller-manager',
  },
}

// Sources: pods have addresses in the pod network (10.244.0.0/16 on both dev clusters).
let nextIp = 10
const pod = (namespace: string, labels: Record<string, string>): Source => ({
  namespace,
  labels,
  ip: `10.244.0.${nextIp++}`,
})
const app = (component: string) =>
  pod('shop', { 'app.kubernetes.io/name': 'shopscope', 'app.kubernetes.io/component': component })
const stranger = pod('shopscope-netpol-probe', { run: 'probe' })
const strangerInShop = pod('shop', { run: 'probe' })
const fromPrometheus = pod('observability', prometheusLabels)
const fromGrafana = pod('observability', grafanaLabels)
const fromAlertmanager = pod('observability', alertmanagerLabels)
const fromCollector = pod('observability', collector.labels)
/** A browser through a node port (kind: NATed to a node's address), or the API server on kind. */
const node: Source = { ip: '172.18.0.2' }

const check = (src: Source, dst: Destination, port: number, allowed: boolean) =>
  assert.equal(
    admits(policies, src, dst, port),
    allowed,
    `${JSON.stringify(src)} → ${JSON.stringify(dst.labels)}:${port} should be ${allowed ? 'allowed' : 'denied'}`,
  )

describe('network isolation of every namespace the platform creates', () => {
  it('each namespace denies all ingress unless a policy opens a pod', () => {
    const namespaces = all.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)
    assert.equal(namespaces.length, 3)
    for (const namespace of namespaces) {
      const deny = policies.find(
        (p) =>
          p.metadata.namespace === namespace &&
          Object.keys(p.spec.podSelector ?? { x: 1 }).length === 0 &&
          p.spec.policyTypes.includes('Ingress') &&
          (p.spec.ingress ?? []).length === 0,
      )
      assert.ok(deny, `no default-deny ingress policy in ${namespace}`)
    }
  })

  it('a pod of another namespace reaches no database, UI, Collector or operator', () => {
    for (const src of [stranger, strangerInShop]) {
      for (const { database } of SERVICES_WITH_DATABASE) check(src, mysql(database), 3306, false)
      check(src, jaeger, 16686, false)
      check(src, jaeger, 4317, false)
      check(src, collector, 4318, false)
      check(src, collector, 4317, false)
      check(src, prometheus, 9090, false)
      check(src, alertmanager, 9093, false)
      check(src, grafana, 3000, false)
      check(src, loki, 3100, false)
      check(src, receiver, 9095, false)
      check(src, receiver, 9096, false)
      check(src, kubeStateMetrics, 8080, false)
      check(src, otelOperator, 8080, false)
    }
  })

  it('each service reaches its own database only', () => {
    for (const { database, name: owner } of SERVICES_WITH_DATABASE) {
      for (const service of SERVICE_NAMES)
        check(app(service), mysql(database), 3306, service === owner)
    }
  })

  it('the services send OTLP/HTTP to the Collector, and nothing else of observability', () => {
    for (const service of SERVICE_NAMES) {
      check(app(service), collector, 4318, true)
      check(app(service), collector, 8888, false)
      check(app(service), jaeger, 16686, false)
      check(app(service), prometheus, 9090, false)
    }
  })

  it('the Collector exports to Jaeger and Loki; Grafana queries Prometheus, Loki and Jaeger', () => {
    check(fromCollector, jaeger, 4317, true)
    check(fromCollector, loki, 3100, true)
    check(fromCollector, prometheus, 9090, false)
    check(fromGrafana, prometheus, 9090, true)
    check(fromGrafana, loki, 3100, true)
    check(fromGrafana, jaeger, 16686, true)
    check(fromGrafana, alertmanager, 9093, true)
  })

  it('Prometheus scrapes its targets and alerts Alertmanager, which alone calls the receiver', () => {
    check(fromPrometheus, collector, 8888, true)
    check(fromPrometheus, collector, 8889, true)
    check(fromPrometheus, collector, 4318, false)
    check(fromPrometheus, kubeStateMetrics, 8080, true)
    check(fromPrometheus, alertmanager, 9093, true)
    check(fromPrometheus, alertmanager, 8080, true)
    check(fromPrometheus, prometheus, 8080, true)
    check(fromPrometheus, grafana, 3000, true)
    check(fromPrometheus, promOperator, 10250, true)
    check(fromPrometheus, mysql('users'), 3306, false)
    check(fromAlertmanager, receiver, 9095, true)
    check(fromPrometheus, receiver, 9095, false)
  })

  it('the UIs answer a browser through their node ports; webhooks answer the API server', () => {
    for (const [dst, port] of [
      [jaeger, 16686],
      [prometheus, 9090],
      [alertmanager, 9093],
      [grafana, 3000],
      [receiver, 9096], // the runbooks
    ] as const)
      check(node, dst, port, true)
    check(node, receiver, 9095, false) // the webhooks: Alertmanager's alone
    check(node, otelOperator, 9443, true)
    check(node, promOperator, 10250, true)
    check(node, mysql('users'), 3306, false)
    check(node, collector, 4318, false)
    check(node, jaeger, 4317, false)
    check(node, loki, 3100, false)
  })
})
