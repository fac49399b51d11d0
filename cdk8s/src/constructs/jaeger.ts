import { Construct } from 'constructs'
import { stringify } from 'yaml'
import { componentLabels, imageTag, manifest, selectorLabels } from '../api'
import { JAEGER_UI_CONFIG_FILE, type LogsUi, jaegerUiConfig } from '../jaeger-ui-config'
import type { Tolerations } from '../monitoring-placement'
import { restrictedContainer, restrictedPod } from '../security'
import { JAEGER_PORTS, jaegerConfig } from './jaeger-config'

export interface JaegerProps {
  readonly namespace: string
  readonly name: string
  /** A Jaeger v2 image (the OpenTelemetry Collector based distribution). */
  readonly image: string
  /** Traces kept in memory before the oldest are dropped. */
  readonly maxTraces: number
  /** When set, the UI is also exposed on this node port (the kind cluster's localhost mapping). */
  readonly uiNodePort?: number
  readonly resources: { requests: Record<string, string>; limits: Record<string, string> }
  /** Tolerations of its pod. */
  readonly tolerations?: Tolerations
  /** The logs UI each trace links to (its UI config file, jaeger-ui-config.ts). */
  readonly logsUi: LogsUi
}

const { otlpGrpc: OTLP_GRPC, otlpHttp: OTLP_HTTP, query: QUERY, health: HEALTH } = JAEGER_PORTS
const CONFIG_DIR = '/etc/jaeger'

/** Jaeger v2 with in-memory storage: OTLP in, the UI and query API out. */
export class Jaeger extends Construct {
  readonly otlpGrpcEndpoint: string
  readonly queryUrl: string
  /** Labels of its pod, and the ports it is called on (for NetworkPolicies). */
  readonly pods: Record<string, string>
  readonly ports = { otlpGrpc: OTLP_GRPC, query: QUERY } as const

  constructor(scope: Construct, id: string, props: JaegerProps) {
    super(scope, id)
    const host = `${props.name}.${props.namespace}.svc.cluster.local`
    this.otlpGrpcEndpoint = `${host}:${OTLP_GRPC}`
    this.queryUrl = `http://${host}:${QUERY}`
    this.pods = selectorLabels(props.name)
    const labels = componentLabels(props.name, 'tracing', imageTag(props.image))
    const metadata = { name: props.name, namespace: props.namespace, labels }

    manifest(this, 'config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata,
      data: {
        'config.yaml': stringify(
          jaegerConfig(props.maxTraces, `${CONFIG_DIR}/${JAEGER_UI_CONFIG_FILE}`),
        ),
        [JAEGER_UI_CONFIG_FILE]: JSON.stringify(jaegerUiConfig(props.logsUi), null, 2),
      },
    })
    manifest(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        selector: selectorLabels(props.name),
        ports: [
          { name: 'otlp-grpc', port: OTLP_GRPC, targetPort: 'otlp-grpc', protocol: 'TCP' },
          { name: 'otlp-http', port: OTLP_HTTP, targetPort: 'otlp-http', protocol: 'TCP' },
          { name: 'query', port: QUERY, targetPort: 'query', protocol: 'TCP' },
        ],
      },
    })
    if (props.uiNodePort !== undefined) {
      manifest(this, 'ui-service', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { ...metadata, name: `${props.name}-ui` },
        spec: {
          type: 'NodePort',
          selector: selectorLabels(props.name),
          ports: [
            {
              name: 'query',
              port: QUERY,
              targetPort: 'query',
              nodePort: props.uiNodePort,
              protocol: 'TCP',
            },
          ],
        },
      })
    }
    manifest(this, 'deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        replicas: 1,
        // Memory storage: two replicas would be two different sets of traces.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: selectorLabels(props.name) },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPod(10001),
            ...(props.tolerations === undefined ? {} : { tolerations: props.tolerations }),
            containers: [
              {
                name: 'jaeger',
                image: props.image,
                args: [`--config=${CONFIG_DIR}/config.yaml`],
                ports: [
                  { name: 'otlp-grpc', containerPort: OTLP_GRPC, protocol: 'TCP' },
                  { name: 'otlp-http', containerPort: OTLP_HTTP, protocol: 'TCP' },
                  { name: 'query', containerPort: QUERY, protocol: 'TCP' },
                  { name: 'health', containerPort: HEALTH, protocol: 'TCP' },
                ],
                readinessProbe: { httpGet: { path: '/status', port: 'health' }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: '/status', port: 'health' }, periodSeconds: 10 },
                resources: props.resources,
                securityContext: restrictedContainer(),
                volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: props.name } }],
          },
        },
      },
    })
  }
}
