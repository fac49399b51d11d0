import { Construct } from 'constructs'
import { stringify } from 'yaml'
import { componentLabels, imageTag, manifest, selectorLabels } from '../api'
import { restrictedContainer, restrictedPod } from '../security'

export interface LokiProps {
  readonly namespace: string
  readonly name: string
  /** A Loki 3 image (native OTLP ingestion on /otlp). */
  readonly image: string
  /** PVC size for chunks and index. */
  readonly storage: string
  /** How long logs are kept, e.g. 72h. */
  readonly retention: string
  readonly resources: { requests: Record<string, string>; limits: Record<string, string> }
}

const HTTP = 3100
const GRPC = 9095

/** Loki 3 in monolithic mode (one process, every target) on a filesystem volume. */
export class Loki extends Construct {
  readonly url: string
  /** The full OTLP/HTTP logs URL (the collector's logs_endpoint). */
  readonly otlpLogsEndpoint: string
  /** Labels of its pod, and the port it is called on (for NetworkPolicies). */
  readonly pods: Record<string, string>
  readonly port = HTTP

  constructor(scope: Construct, id: string, props: LokiProps) {
    super(scope, id)
    this.url = `http://${props.name}.${props.namespace}.svc.cluster.local:${HTTP}`
    this.otlpLogsEndpoint = `${this.url}/otlp/v1/logs`
    this.pods = selectorLabels(props.name)
    const labels = componentLabels(props.name, 'logging', imageTag(props.image))
    const metadata = { name: props.name, namespace: props.namespace, labels }

    manifest(this, 'config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata,
      data: { 'config.yaml': stringify(lokiConfig(props.retention)) },
    })
    manifest(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        selector: selectorLabels(props.name),
        ports: [{ name: 'http', port: HTTP, targetPort: 'http', protocol: 'TCP' }],
      },
    })
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
            securityContext: restrictedPod(10001),
            containers: [
              {
                name: 'loki',
                image: props.image,
                args: ['-config.file=/etc/loki/config.yaml', '-target=all'],
                ports: [
                  { name: 'http', containerPort: HTTP, protocol: 'TCP' },
                  { name: 'grpc', containerPort: GRPC, protocol: 'TCP' },
                ],
                readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 10 },
                livenessProbe: {
                  httpGet: { path: '/ready', port: 'http' },
                  initialDelaySeconds: 60,
                  periodSeconds: 20,
                },
                resources: props.resources,
                securityContext: restrictedContainer(),
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/loki', readOnly: true },
                  { name: 'data', mountPath: '/loki' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: props.name } },
              { name: 'tmp', emptyDir: {} },
            ],
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

function lokiConfig(retention: string) {
  return {
    auth_enabled: false,
    server: { http_listen_port: HTTP, grpc_listen_port: GRPC, log_level: 'warn' },
    common: {
      instance_addr: '127.0.0.1',
      path_prefix: '/loki',
      replication_factor: 1,
      ring: { kvstore: { store: 'inmemory' } },
      storage: { filesystem: { chunks_directory: '/loki/chunks', rules_directory: '/loki/rules' } },
    },
    schema_config: {
      configs: [
        {
          from: '2024-01-01',
          store: 'tsdb',
          object_store: 'filesystem',
          schema: 'v13',
          index: { prefix: 'index_', period: '24h' },
        },
      ],
    },
    // OTLP resource attributes become structured metadata, which trace↔log links query.
    limits_config: {
      allow_structured_metadata: true,
      volume_enabled: true,
      retention_period: retention,
    },
    compactor: {
      working_directory: '/loki/compactor',
      retention_enabled: true,
      delete_request_store: 'filesystem',
    },
    pattern_ingester: { enabled: false },
    analytics: { reporting_enabled: false },
  }
}
