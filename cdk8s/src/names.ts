/**
 * Names other pieces depend on: the chart's values, operator-config/ and the cross-reference
 * tests read the same constants, so a rename is one change here.
 */
export const NAMESPACES = {
  /** The app (Helm release) and its MySQL databases. */
  shop: 'shop',
  /** Collector, Jaeger, the logs store and kube-prometheus-stack (Prometheus, Alertmanager, Grafana). */
  observability: 'observability',
  /** The OpenTelemetry Operator (its own Helm chart). */
  operator: 'opentelemetry-operator-system',
} as const

/** The OpenTelemetryCollector CR; the operator names its Service `<name>-collector`. */
export const COLLECTOR = {
  name: 'shopscope',
  serviceName: 'shopscope-collector',
  otlpGrpcPort: 4317,
  otlpHttpPort: 4318,
  /** The Collector's own telemetry (operator Service `<name>-collector-monitoring`). */
  monitoringPort: 8888,
} as const

export const JAEGER = { name: 'jaeger', otlpGrpcPort: 4317, queryPort: 16686 } as const
export const LOKI = { name: 'loki', httpPort: 3100 } as const
/** Loki's stand-in where Loki cannot run (PlatformInputs.logsBackend); its UI is under /select/vmui/. */
export const VICTORIA_LOGS = { name: 'victoria-logs', httpPort: 9428 } as const

/** The four services of the app chart: name → port (docs/services.md). */
export const APP_SERVICES = {
  frontend: 8080,
  'user-service': 8081,
  'product-service': 8082,
  'order-service': 8083,
} as const
export type AppServiceName = keyof typeof APP_SERVICES

/** The port of every MySQL server (cdk8s/src/constructs/mysql.ts). */
export const MYSQL_PORT = 3306
/** One MySQL StatefulSet per service that has a database (docs/services.md). */
export const DATABASES = [
  { service: 'user-service', database: 'users' },
  { service: 'product-service', database: 'products' },
  { service: 'order-service', database: 'orders' },
] as const

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

/**
 * Node ports of what a person opens in a browser; kind-config.yaml maps each to a fixed
 * localhost port (a test checks the three places agree).
 */
export const NODE_PORTS = {
  shop: 30080,
  grafana: 30030,
  jaeger: 30686,
  prometheus: 30090,
  alertmanager: 30093,
  /** VictoriaLogs' UI and query API, where it is the logs store (in-box). */
  victoriaLogs: 30428,
} as const
