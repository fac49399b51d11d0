import { Construct } from 'constructs'
import { componentLabels, imageTag, manifest, selectorLabels } from '../api'
import type { Tolerations } from '../monitoring-placement'
import { restrictedContainer, restrictedPod } from '../security'

export interface VictoriaLogsProps {
  readonly namespace: string
  readonly name: string
  /** A VictoriaLogs single-node image (OTLP logs in, LogsQL and its web UI out, one port). */
  readonly image: string
  /** PVC size of its data directory. */
  readonly storage: string
  /** How long logs are kept (its -retentionPeriod: a number with h, d, w or y, e.g. 72h). */
  readonly retention: string
  /** When set, the UI and query API are also exposed on this node port (kind's localhost mapping). */
  readonly uiNodePort?: number
  /** When set, a PodMonitor with these labels has Prometheus scrape its /metrics. */
  readonly monitoringLabels?: Readonly<Record<string, string>>
  readonly resources: { requests: Record<string, string>; limits: Record<string, string> }
  /** Tolerations of its pod. */
  readonly tolerations?: Tolerations
}

const HTTP = 9428
const DATA = '/victoria-logs-data'
/** Upstream's image runs as root; ours runs as nobody (the restricted Pod Security Standard). */
const UID = 65534

/**
 * VictoriaLogs, single node on a persistent volume: Loki's stand-in where Loki cannot run. One
 * HTTP port serves ingestion (/insert/opentelemetry/v1/logs), queries (/select/logsql/query),
 * the web UI (/select/vmui/), /health and /metrics.
 */
export class VictoriaLogs extends Construct {
  readonly url: string
  /** The full OTLP/HTTP logs URL (the collector's logs_endpoint). */
  readonly otlpLogsEndpoint: string
  /** Labels of its pod, and the port it is called on (for NetworkPolicies). */
  readonly pods: Record<string, string>
  readonly port = HTTP

  constructor(scope: Construct, id: string, props: VictoriaLogsProps) {
    super(scope, id)
    this.url = `http://${props.name}.${props.namespace}.svc.cluster.local:${HTTP}`
    this.otlpLogsEndpoint = `${this.url}/insert/opentelemetry/v1/logs`
    this.pods = selectorLabels(props.name)
    const labels = componentLabels(props.name, 'logging', imageTag(props.image))
    const metadata = { name: props.name, namespace: props.namespace, labels }
    const httpPort = { name: 'http', port: HTTP, targetPort: 'http', protocol: 'TCP' as const }

    manifest(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: { selector: selectorLabels(props.name), ports: [httpPort] },
    })
    if (props.uiNodePort !== undefined) {
      manifest(this, 'ui-service', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { ...metadata, name: `${props.name}-ui` },
        spec: {
          type: 'NodePort',
          selector: selectorLabels(props.name),
          ports: [{ ...httpPort, nodePort: props.uiNodePort }],
        },
      })
    }
    if (props.monitoringLabels !== undefined) {
      // The pod itself: both Services select it, a ServiceMonitor would scrape it twice.
      manifest(this, 'monitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: props.name, namespace: props.namespace, labels: props.monitoringLabels },
        spec: {
          selector: { matchLabels: selectorLabels(props.name) },
          podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
        },
      })
    }
    manifest(this, 'statefulset', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata,
      spec: {
        serviceName: props.name,
        replicas: 1,
        selector: { matchLabels: selectorLabels(props.name) },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPod(UID),
            ...(props.tolerations === undefined ? {} : { tolerations: props.tolerations }),
            containers: [
              {
                name: 'victoria-logs',
                image: props.image,
                args: [
                  `-storageDataPath=${DATA}`,
                  `-retentionPeriod=${props.retention}`,
                  `-httpListenAddr=:${HTTP}`,
                  // Its own log lines as JSON, like every other component's here.
                  '-loggerFormat=json',
                ],
                ports: [{ name: 'http', containerPort: HTTP, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 10 },
                livenessProbe: {
                  httpGet: { path: '/health', port: 'http' },
                  initialDelaySeconds: 30,
                  periodSeconds: 20,
                },
                resources: props.resources,
                securityContext: restrictedContainer(),
                volumeMounts: [
                  { name: 'data', mountPath: DATA },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: props.storage } },
            },
          },
        ],
      },
    })
  }
}
