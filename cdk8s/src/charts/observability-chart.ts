import {
  COLLECTOR,
  JAEGER,
  LOKI,
  NAMESPACES,
  NODE_PORTS,
  VICTORIA_LOGS,
  pinned,
} from '@shopscope/system'
import { Chart } from 'cdk8s'
import type { Construct } from 'constructs'
import { Alerting } from '../constructs/alerting'
import { Collector } from '../constructs/collector'
import { parseCollectorConfig } from '../constructs/collector-config'
import { Dashboards } from '../constructs/dashboards'
import { Jaeger } from '../constructs/jaeger'
import { Loki } from '../constructs/loki'
import { PrometheusRules } from '../constructs/prometheus-rules'
import { CollectorServiceMonitor } from '../constructs/service-monitors'
import { VictoriaLogs } from '../constructs/victoria-logs'
import type { LogsBackend, PlatformInputs } from '../inputs'
import type { LogsUi } from '../jaeger-ui-config'
import { LOKI_DATASOURCE_UID } from '../kube-prometheus-stack-values'
import { nodeFailureTolerations, type Tolerations } from '../monitoring-placement'
import { DASHBOARD_LABEL, MONITORING_SELECTOR } from '../names'

/**
 * Where a browser opens the logs of a trace seen in the Jaeger UI, per logs store: Grafana
 * Explore on Loki, or VictoriaLogs' own UI, at their kind URLs (kind-config.yaml maps
 * NODE_PORTS.grafana and NODE_PORTS.victoriaLogs to them; a test checks).
 */
export const KIND_LOGS_UI: Record<LogsBackend, LogsUi> = {
  loki: { kind: 'loki', url: 'http://localhost:3000', datasourceUid: LOKI_DATASOURCE_UID },
  victorialogs: { kind: 'victorialogs', url: 'http://localhost:9428' },
}

/** Placeholder base URL of the receivers in alerts/alertmanager.yaml (its header explains). */
export const ALERT_RECEIVER_PLACEHOLDER = 'http://alert-receiver.invalid:9095'

/**
 * Collector, Jaeger, the logs store (Loki or VictoriaLogs: PlatformInputs.logsBackend), and what
 * configures kube-prometheus-stack: rules, dashboards, routing.
 */
export class ObservabilityChart extends Chart {
  readonly collector: Collector
  readonly jaeger: Jaeger
  /** The one logs store the Collector exports to. */
  readonly logs: Loki | VictoriaLogs
  readonly alerting: Alerting

  constructor(scope: Construct, id: string, inputs: PlatformInputs) {
    super(scope, id)
    const namespace = NAMESPACES.observability
    const v = inputs.versions
    // The tracing path leaves a lost node when the shop's pods do (the chart's
    // nodeFailureTolerationSeconds), not after Kubernetes' 300 s.
    const tolerations = nodeFailureTolerations(inputs.nodeFailureTolerationSeconds)
    this.jaeger = new Jaeger(this, 'jaeger', {
      namespace,
      name: JAEGER.name,
      image: pinned(v, 'JAEGER_IMAGE'),
      maxTraces: 20000,
      uiNodePort: NODE_PORTS.jaeger,
      logsUi: KIND_LOGS_UI[inputs.logsBackend],
      resources: {
        requests: { cpu: '50m', memory: '128Mi' },
        limits: { cpu: '500m', memory: '512Mi' },
      },
      tolerations,
    })
    this.logs = logsStore(this, inputs, tolerations)
    this.collector = new Collector(this, 'collector', {
      namespace,
      name: COLLECTOR.name,
      image: pinned(v, 'OTELCOL_CONTRIB_IMAGE'),
      config: parseCollectorConfig(inputs.collectorConfig),
      env: {
        JAEGER_OTLP_ENDPOINT: this.jaeger.otlpGrpcEndpoint,
        LOGS_OTLP_ENDPOINT: this.logs.otlpLogsEndpoint,
      },
      resources: {
        requests: { cpu: '100m', memory: '192Mi' },
        limits: { cpu: '1', memory: '512Mi' },
      },
      tolerations,
    })
    new CollectorServiceMonitor(this, 'collector-monitor', {
      namespace,
      collectorName: COLLECTOR.name,
      prometheusPort: this.collector.prometheusPort,
      labels: MONITORING_SELECTOR,
    })
    new PrometheusRules(this, 'rules', {
      namespace,
      ruleFiles: inputs.ruleFiles,
      labels: MONITORING_SELECTOR,
      runbookBaseUrl: inputs.runbookBaseUrl,
    })
    new Dashboards(this, 'dashboards', {
      namespace,
      dashboards: inputs.dashboards,
      labels: DASHBOARD_LABEL,
      folder: 'shopscope',
    })
    this.alerting = new Alerting(this, 'alerting', {
      namespace,
      alertmanagerFile: inputs.alertmanagerFile,
      receiverPlaceholder: ALERT_RECEIVER_PLACEHOLDER,
      labels: MONITORING_SELECTOR,
      image: pinned(v, 'BUSYBOX_IMAGE'),
      runbooks: inputs.runbooks,
      runbooksNodePort: NODE_PORTS.runbooks,
    })
  }
}

/** Loki where its image runs, else VictoriaLogs: same retention, storage and place in the path. */
function logsStore(
  scope: Construct,
  inputs: PlatformInputs,
  tolerations: Tolerations,
): Loki | VictoriaLogs {
  const namespace = NAMESPACES.observability
  const common = { namespace, storage: '2Gi', retention: '72h' }
  if (inputs.logsBackend === 'victorialogs') {
    return new VictoriaLogs(scope, 'victoria-logs', {
      ...common,
      name: VICTORIA_LOGS.name,
      image: pinned(inputs.versions, 'VICTORIALOGS_IMAGE'),
      uiNodePort: NODE_PORTS.victoriaLogs,
      monitoringLabels: MONITORING_SELECTOR,
      resources: {
        requests: { cpu: '50m', memory: '128Mi' },
        limits: { cpu: '1', memory: '512Mi' },
      },
      // Like the rest of the logging path: off a lost node as fast as the shop's pods.
      tolerations,
    })
  }
  return new Loki(scope, 'loki', {
    ...common,
    name: LOKI.name,
    image: pinned(inputs.versions, 'LOKI_IMAGE'),
    resources: {
      requests: { cpu: '50m', memory: '192Mi' },
      limits: { cpu: '1', memory: '512Mi' },
    },
  })
}
