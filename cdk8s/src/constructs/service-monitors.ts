import { Construct } from 'constructs'
import { manifest } from '../api'

export interface AppServiceMonitorsProps {
  /** Namespace of the app's Services (the Helm release). */
  readonly namespace: string
  /** Service name → labels selecting its Service (the chart's selector labels). */
  readonly services: Record<string, Record<string, string>>
  /** Labels kube-prometheus-stack's serviceMonitorSelector matches. */
  readonly labels: Record<string, string>
}

/**
 * One ServiceMonitor per app service for its /metrics. Every target gets a `service_name`
 * label with the service's name, the same as the OpenTelemetry service.name the Collector
 * exports, so `up` and prom-client metrics join the Collector's metrics on service_name.
 */
export class AppServiceMonitors extends Construct {
  constructor(scope: Construct, id: string, props: AppServiceMonitorsProps) {
    super(scope, id)
    for (const [service, selector] of Object.entries(props.services)) {
      manifest(this, service, {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: service, namespace: props.namespace, labels: props.labels },
        spec: {
          selector: { matchLabels: selector },
          endpoints: [
            {
              port: 'http',
              path: '/metrics',
              interval: '15s',
              relabelings: [
                { action: 'replace', targetLabel: 'service_name', replacement: service },
              ],
              // prom-client already labels every series with service_name; the target label
              // wins and the copy Prometheus keeps as exported_service_name is noise.
              metricRelabelings: [{ action: 'labeldrop', regex: 'exported_service_name' }],
            },
          ],
        },
      })
    }
  }
}

export interface CollectorServiceMonitorProps {
  readonly namespace: string
  /** The OpenTelemetryCollector CR name: the operator labels its Services with it. */
  readonly collectorName: string
  /** Port of the Collector's prometheus exporter; undefined when the config has none. */
  readonly prometheusPort: number | undefined
  readonly labels: Record<string, string>
}

/**
 * Scrapes the Collector: its prometheus exporter (application metrics translated from OTLP,
 * whose labels must be kept as exported: honorLabels) and its own telemetry.
 */
export class CollectorServiceMonitor extends Construct {
  constructor(scope: Construct, id: string, props: CollectorServiceMonitorProps) {
    super(scope, id)
    const instance = `${props.namespace}.${props.collectorName}`
    if (props.prometheusPort !== undefined) {
      manifest(this, 'exporter', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: {
          name: `${props.collectorName}-collector`,
          namespace: props.namespace,
          labels: props.labels,
        },
        spec: {
          selector: {
            matchLabels: {
              'app.kubernetes.io/instance': instance,
              'operator.opentelemetry.io/collector-service-type': 'base',
            },
          },
          endpoints: [{ port: 'prometheus', interval: '15s', honorLabels: true }],
        },
      })
    }
    manifest(this, 'self', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: {
        name: `${props.collectorName}-collector-monitoring`,
        namespace: props.namespace,
        labels: props.labels,
      },
      spec: {
        selector: {
          matchLabels: {
            'app.kubernetes.io/instance': instance,
            'operator.opentelemetry.io/collector-service-type': 'monitoring',
          },
        },
        endpoints: [{ port: 'monitoring', interval: '30s' }],
      },
    })
  }
}
