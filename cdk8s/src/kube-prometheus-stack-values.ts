import { datasources } from '@shopscope/dashboards'
import { JAEGER, LOKI, NAMESPACES, NODE_PORTS, pinned } from '@shopscope/system'
import { KPS_RELEASE, MONITORING_SELECTOR } from './names'
import { besidePrometheus } from './monitoring-placement'

/** In-cluster URLs of kube-prometheus-stack's Services (fullnameOverride = KPS_RELEASE). */
export function prometheusUrl(): string {
  return `http://${KPS_RELEASE}-prometheus.${NAMESPACES.observability}.svc.cluster.local:9090`
}

/** The uid of Grafana's Loki datasource (links into Explore name it). */
export const LOKI_DATASOURCE_UID = datasources.loki.uid

const svc = (name: string, port: number) =>
  `http://${name}.${NAMESPACES.observability}.svc.cluster.local:${port}`

const small = (cpu: string, memory: string, memoryLimit: string) => ({
  requests: { cpu, memory },
  limits: { memory: memoryLimit },
})

/**
 * The values of the kube-prometheus-stack release: our ServiceMonitors, PrometheusRules and
 * AlertmanagerConfigs picked up from every namespace, the OTLP receiver and exemplar storage
 * on, kind's unreachable control-plane scrapes off, and Grafana provisioned with the three
 * datasources (fixed uids, linked to each other) so no one ever clicks one together. The image
 * tags come from versions.env, not from the chart's defaults: the releases the chart runs are
 * pinned where every other version is, and a chart upgrade cannot move them unnoticed.
 */
export function kubePrometheusStackValues(
  grafanaAdminPassword: string,
  versions: Record<string, string>,
) {
  const operatorTag = pinned(versions, 'PROMETHEUS_OPERATOR_VERSION')
  const prometheusVersion = pinned(versions, 'PROMETHEUS_VERSION')
  const jaegerUrl = svc(JAEGER.name, JAEGER.queryPort)
  const lokiUrl = svc(LOKI.name, LOKI.httpPort)
  const serviceTag = [{ key: 'service.name', value: 'service_name' }]
  return {
    fullnameOverride: KPS_RELEASE,
    crds: { enabled: true },
    // On kind these listen on the node's loopback only: their targets would be down forever.
    kubeEtcd: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeControllerManager: { enabled: false },
    kubeProxy: { enabled: false },
    defaultRules: {
      create: true,
      rules: {
        etcd: false,
        kubeSchedulerAlerting: false,
        kubeSchedulerRecording: false,
        kubeControllerManager: false,
        kubeProxy: false,
      },
    },
    prometheusOperator: {
      image: { tag: operatorTag },
      prometheusConfigReloader: { image: { tag: operatorTag } },
      resources: small('50m', '64Mi', '256Mi'),
    },
    'kube-state-metrics': {
      image: { tag: pinned(versions, 'KUBE_STATE_METRICS_VERSION') },
      resources: small('10m', '48Mi', '128Mi'),
      // It reports the nodes' Ready condition: on Prometheus' node, so that a lost node is
      // never the one that reported it (monitoring-placement.ts).
      affinity: besidePrometheus(),
    },
    // Docker Desktop / kind cannot propagate the host root mount.
    'prometheus-node-exporter': {
      image: { tag: pinned(versions, 'NODE_EXPORTER_VERSION') },
      hostRootFsMount: { enabled: false },
      resources: small('10m', '24Mi', '64Mi'),
    },
    prometheus: {
      service: { type: 'NodePort', nodePort: NODE_PORTS.prometheus },
      prometheusSpec: {
        // The chart's own choice of variant (distroless), at our pinned release.
        image: { tag: `${prometheusVersion}-distroless` },
        version: prometheusVersion,
        retention: '2d',
        scrapeInterval: '15s',
        resources: small('100m', '512Mi', '1536Mi'),
        enableFeatures: ['exemplar-storage'],
        exemplars: { maxSize: 100000 },
        additionalArgs: [{ name: 'web.enable-otlp-receiver' }],
        // Every ServiceMonitor / PodMonitor / PrometheusRule, not only the chart's own.
        serviceMonitorSelectorNilUsesHelmValues: false,
        serviceMonitorSelector: {},
        serviceMonitorNamespaceSelector: {},
        podMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelector: {},
        podMonitorNamespaceSelector: {},
        ruleSelectorNilUsesHelmValues: false,
        ruleSelector: {},
        ruleNamespaceSelector: {},
      },
    },
    alertmanager: {
      service: { type: 'NodePort', nodePort: NODE_PORTS.alertmanager },
      alertmanagerSpec: {
        image: { tag: pinned(versions, 'ALERTMANAGER_VERSION') },
        resources: small('10m', '32Mi', '128Mi'),
        alertmanagerConfigSelector: { matchLabels: MONITORING_SELECTOR },
        alertmanagerConfigNamespaceSelector: {},
        // Our rules aggregate by service_name: alerts carry no namespace label to match on.
        alertmanagerConfigMatcherStrategy: { type: 'None' },
        // One failure domain with Prometheus (monitoring-placement.ts).
        affinity: besidePrometheus(),
      },
    },
    grafana: {
      adminUser: 'admin',
      adminPassword: grafanaAdminPassword,
      service: { type: 'NodePort', nodePort: NODE_PORTS.grafana },
      resources: small('50m', '128Mi', '384Mi'),
      sidecar: {
        resources: small('10m', '48Mi', '128Mi'),
        dashboards: {
          enabled: true,
          label: 'grafana_dashboard',
          labelValue: '1',
          searchNamespace: 'ALL',
          folderAnnotation: 'grafana_folder',
          provider: { foldersFromFilesStructure: true },
        },
        // The chart's own Prometheus datasource has no exemplar link: ours replaces it.
        datasources: { enabled: true, defaultDatasourceEnabled: false },
      },
      additionalDataSources: [
        {
          name: 'Prometheus',
          ...datasources.prometheus,
          url: prometheusUrl(),
          access: 'proxy',
          isDefault: true,
          jsonData: {
            httpMethod: 'POST',
            exemplarTraceIdDestinations: [
              { name: 'trace_id', datasourceUid: datasources.jaeger.uid },
            ],
          },
        },
        {
          name: 'Loki',
          ...datasources.loki,
          url: lokiUrl,
          access: 'proxy',
          jsonData: {
            // OTLP logs carry trace_id as structured metadata: link it to the trace.
            derivedFields: [
              {
                name: 'trace_id',
                matcherType: 'label',
                matcherRegex: 'trace_id',
                datasourceUid: datasources.jaeger.uid,
                url: '$${__value.raw}',
                urlDisplayLabel: 'Trace',
              },
            ],
          },
        },
        {
          name: 'Jaeger',
          ...datasources.jaeger,
          url: jaegerUrl,
          access: 'proxy',
          jsonData: {
            nodeGraph: { enabled: true },
            tracesToLogsV2: {
              datasourceUid: LOKI_DATASOURCE_UID,
              spanStartTimeShift: '-5m',
              spanEndTimeShift: '5m',
              filterByTraceID: true,
              tags: serviceTag,
            },
            tracesToMetrics: {
              datasourceUid: 'prometheus',
              spanStartTimeShift: '-5m',
              spanEndTimeShift: '5m',
              tags: serviceTag,
              queries: [
                {
                  name: 'Request rate',
                  query:
                    'sum by (service_name) (rate(traces_span_metrics_calls_total{$$__tags}[5m]))',
                },
                {
                  name: 'Error rate',
                  query:
                    'sum by (service_name) (rate(traces_span_metrics_calls_total{$$__tags, status_code="STATUS_CODE_ERROR"}[5m]))',
                },
              ],
            },
          },
        },
      ],
    },
  }
}
