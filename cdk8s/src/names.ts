/**
 * Names only the cdk8s app and its upstream charts share: labels, the kube-prometheus-stack
 * release, the upstream pods NetworkPolicies select. The system's names (services, namespaces,
 * the Collector, Jaeger, the logs store, node ports) are @shopscope/system's.
 */

/** Label kube-prometheus-stack selects our ServiceMonitors, rules and configs by. */
export const MONITORING_SELECTOR = { 'shopscope.io/monitoring': 'true' } as const
/** Label the Grafana sidecar loads dashboard ConfigMaps by. */
export const DASHBOARD_LABEL = { grafana_dashboard: '1' } as const

/** The Helm release of kube-prometheus-stack, which names its Services. */
export const KPS_RELEASE = 'kps'

/**
 * The pods of kube-prometheus-stack and the operator's chart, by the labels their charts and
 * operators give them, with the ports they are called on (NetworkPolicies select them by these;
 * tests/platform/isolation.test.ts renders the charts to check the labels and ports).
 */
export const UPSTREAM_PODS = {
  /** Labels prometheus-operator puts on every Prometheus pod. */
  prometheus: { labels: { 'app.kubernetes.io/name': 'prometheus' }, port: 9090 },
  alertmanager: { labels: { 'app.kubernetes.io/name': 'alertmanager' }, port: 9093 },
  /** The config-reloader sidecar of Prometheus and Alertmanager, scraped by Prometheus. */
  reloaderPort: 8080,
  grafana: { labels: { 'app.kubernetes.io/name': 'grafana' }, port: 3000 },
  kubeStateMetrics: { labels: { 'app.kubernetes.io/name': 'kube-state-metrics' }, port: 8080 },
  /** Its admission webhook (called by the API server) and its metrics share this port. */
  prometheusOperator: {
    labels: { 'app.kubernetes.io/component': 'prometheus-operator' },
    port: 10250,
  },
  /** The OpenTelemetry Operator: its admission webhook, called by the API server. */
  otelOperator: {
    labels: { 'app.kubernetes.io/name': 'opentelemetry-operator' },
    port: 9443,
  },
} as const

/**
 * The pod network of the kind cluster: kind's default podSubnet (kind-config.yaml states it; the
 * flannel add-on of kind-addons-chart.ts leases from it). NetworkPolicies let what comes from
 * outside it (a browser through a node port) reach the UIs, and no pod.
 */
export const POD_CIDR = '10.244.0.0/16'
