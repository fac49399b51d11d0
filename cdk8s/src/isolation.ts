import { COLLECTOR, NAMESPACES, SERVICE_NAMES, SERVICES_WITH_DATABASE } from '@shopscope/system'
import type { Construct } from 'constructs'
import type { ObservabilityChart } from './charts/observability-chart'
import { type ShopChart, appServiceSelector } from './charts/shop-chart'
import { DefaultDenyIngress, IngressAllowList, type Peer } from './constructs/network-policies'
import { VictoriaLogs } from './constructs/victoria-logs'
import { POD_CIDR, UPSTREAM_PODS } from './names'

export interface IsolationProps {
  readonly observability: ObservabilityChart
  readonly shop: ShopChart
}

const { prometheus, alertmanager, grafana } = UPSTREAM_PODS
const obs = NAMESPACES.observability
const inObservability = (pods: Readonly<Record<string, string>>): Peer => ({
  namespace: obs,
  pods,
})
const fromPrometheus = inObservability(prometheus.labels)
const fromGrafana = inObservability(grafana.labels)
/** A browser through a node port (kind-config.yaml maps the UIs to localhost), never a pod. */
const fromOutsidePods: Peer = { outside: POD_CIDR }

/**
 * Every namespace the system creates denies all ingress, then opens each pod to its real callers
 * only, on the ports they call. The app's own pods are opened by its chart
 * (charts/shopscope/templates/networkpolicy.yaml). Applied with the namespaces, before anything
 * runs in them. Kubelet probes and the API server (processes of the node) are let through by
 * the enforcer itself (kube-network-policies accepts the node's root-owned traffic), or, where
 * the API server is a pod of another node (kind), by the webhook ports being open to anyone.
 */
export class Isolation {
  constructor(scope: Construct, props: IsolationProps) {
    for (const namespace of Object.values(NAMESPACES))
      new DefaultDenyIngress(scope, `deny-${namespace}`, { namespace })
    shopPolicies(scope, props.shop)
    observabilityPolicies(scope, props.observability)
    new IngressAllowList(scope, 'otel-operator', {
      namespace: NAMESPACES.operator,
      name: 'opentelemetry-operator',
      pods: UPSTREAM_PODS.otelOperator.labels,
      rules: [{ ports: [UPSTREAM_PODS.otelOperator.port] }],
    })
  }
}

/** Each database from its own service only. */
function shopPolicies(scope: Construct, shop: ShopChart) {
  for (const { name: service, database } of SERVICES_WITH_DATABASE) {
    const mysql = shop.databases.find((db) => db.name === `mysql-${database}`)
    if (mysql === undefined) throw new Error(`isolation: no MySQL for ${database}`)
    new IngressAllowList(scope, mysql.name, {
      namespace: NAMESPACES.shop,
      name: mysql.name,
      pods: mysql.pods,
      rules: [{ from: [{ pods: appServiceSelector(service) }], ports: [mysql.port] }],
    })
  }
}

function observabilityPolicies(scope: Construct, o: ObservabilityChart) {
  const allow = (id: string, pods: Readonly<Record<string, string>>, rules: IngressRuleList) =>
    new IngressAllowList(scope, `obs-${id}`, { namespace: obs, name: id, pods, rules })
  const appServices: Peer[] = SERVICE_NAMES.map((service) => ({
    namespace: NAMESPACES.shop,
    pods: appServiceSelector(service),
  }))
  const collectorMetrics = [COLLECTOR.monitoringPort, ...optional(o.collector.prometheusPort)]
  allow('collector', o.collector.pods, [
    { from: appServices, ports: [COLLECTOR.otlpHttpPort] },
    { from: [fromPrometheus], ports: collectorMetrics },
  ])
  allow('jaeger', o.jaeger.pods, [
    { from: [inObservability(o.collector.pods)], ports: [o.jaeger.ports.otlpGrpc] },
    { from: [fromGrafana, fromOutsidePods], ports: [o.jaeger.ports.query] },
  ])
  if (o.logs instanceof VictoriaLogs) {
    allow('victoria-logs', o.logs.pods, [
      { from: [inObservability(o.collector.pods)], ports: [o.logs.port] },
      // Its metrics (PodMonitor), and its UI and query API through the node port.
      { from: [fromPrometheus, fromOutsidePods], ports: [o.logs.port] },
    ])
  } else {
    allow('loki', o.logs.pods, [
      { from: [inObservability(o.collector.pods), fromGrafana], ports: [o.logs.port] },
    ])
  }
  allow('alert-receiver', o.alerting.receiverPods, [
    { from: [inObservability(alertmanager.labels)], ports: [o.alerting.receiverPort] },
    // The runbooks, for a browser following an alert's runbook_url through the node port.
    { from: [fromOutsidePods], ports: [o.alerting.runbooksPort] },
  ])
  allow('prometheus', prometheus.labels, [
    { from: [fromGrafana, fromOutsidePods], ports: [prometheus.port] },
    { from: [fromPrometheus], ports: [prometheus.port, UPSTREAM_PODS.reloaderPort] },
  ])
  allow('alertmanager', alertmanager.labels, [
    { from: [fromPrometheus], ports: [alertmanager.port, UPSTREAM_PODS.reloaderPort] },
    // Grafana: the Alertmanager datasource kube-prometheus-stack provisions.
    { from: [fromGrafana, fromOutsidePods], ports: [alertmanager.port] },
  ])
  allow('grafana', grafana.labels, [
    { from: [fromPrometheus, fromOutsidePods], ports: [grafana.port] },
  ])
  allow('kube-state-metrics', UPSTREAM_PODS.kubeStateMetrics.labels, [
    { from: [fromPrometheus], ports: [UPSTREAM_PODS.kubeStateMetrics.port] },
  ])
  // Its admission webhook is called by the API server; Prometheus scrapes the same port.
  allow('prometheus-operator', UPSTREAM_PODS.prometheusOperator.labels, [
    { ports: [UPSTREAM_PODS.prometheusOperator.port] },
  ])
}

type IngressRuleList = ConstructorParameters<typeof IngressAllowList>[2]['rules']
const optional = (port: number | undefined) => (port === undefined ? [] : [port])
