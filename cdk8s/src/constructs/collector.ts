import { Construct } from 'constructs'
import { componentLabels, imageTag, manifest } from '../api'
import type { Container } from '../k8s-types'
import type { Tolerations } from '../monitoring-placement'
import { restrictedContainer, restrictedPod } from '../security'
import { type CollectorConfig, prometheusExporterPort } from './collector-config'

export interface CollectorProps {
  readonly namespace: string
  /** CR name; the operator names the Service `<name>-collector`. */
  readonly name: string
  /** A contrib image: the operator's default distribution lacks exporters we use. */
  readonly image: string
  readonly config: CollectorConfig
  /**
   * Values of the config's `${env:NAME}` placeholders (endpoints of Jaeger, Loki, Prometheus).
   * Every placeholder must have one: a missing one fails synthesis, not the pod at start.
   */
  readonly env: Record<string, string>
  readonly resources: { requests: Record<string, string>; limits: Record<string, string> }
  /** Tolerations of the Collector's pods (the operator copies them onto its Deployment). */
  readonly tolerations?: Tolerations
}

/**
 * The OpenTelemetryCollector CR (deployment mode) with the RBAC its k8sattributes processor
 * needs to read pods, namespaces, nodes and replica sets cluster-wide.
 */
export class Collector extends Construct {
  readonly serviceName: string
  readonly serviceAccountName: string
  /** Port of the prometheus exporter, when the config has one (scraped by a ServiceMonitor). */
  readonly prometheusPort: number | undefined
  /** Labels the operator gives the Collector's pods (`<namespace>.<CR name>` is its instance). */
  readonly pods: Record<string, string>

  constructor(scope: Construct, id: string, props: CollectorProps) {
    super(scope, id)
    this.serviceName = `${props.name}-collector`
    this.serviceAccountName = `${props.name}-collector`
    const missing = props.config.requiredEnv.filter(
      (name) => !(name in props.env) && !POD_ENV_NAMES.has(name),
    )
    if (missing.length > 0) {
      throw new Error(`collector config uses \${env:${missing.join('}, ${env:')}} with no value`)
    }
    this.prometheusPort = prometheusExporterPort(props.config.config, props.env)
    this.pods = {
      'app.kubernetes.io/component': 'opentelemetry-collector',
      'app.kubernetes.io/instance': `${props.namespace}.${props.name}`,
    }
    const labels = componentLabels(
      this.serviceName,
      'opentelemetry-collector',
      imageTag(props.image),
    )
    const metadata = { name: this.serviceAccountName, namespace: props.namespace, labels }

    manifest(this, 'service-account', { apiVersion: 'v1', kind: 'ServiceAccount', metadata })
    manifest(this, 'cluster-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: this.serviceAccountName, labels },
      rules: [
        {
          apiGroups: [''],
          resources: ['pods', 'namespaces', 'nodes'],
          verbs: ['get', 'watch', 'list'],
        },
        { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'watch', 'list'] },
      ],
    })
    manifest(this, 'cluster-role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: this.serviceAccountName, labels },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: this.serviceAccountName,
      },
      subjects: [
        { kind: 'ServiceAccount', name: this.serviceAccountName, namespace: props.namespace },
      ],
    })

    const env: NonNullable<Container['env']> = [
      ...POD_ENV,
      ...Object.entries(props.env)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => ({ name, value })),
    ]
    manifest(this, 'collector', {
      apiVersion: 'opentelemetry.io/v1beta1',
      kind: 'OpenTelemetryCollector',
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        mode: 'deployment',
        replicas: 1,
        image: props.image,
        serviceAccount: this.serviceAccountName,
        config: props.config.config as never,
        env,
        resources: props.resources,
        podSecurityContext: restrictedPod(10001),
        securityContext: restrictedContainer(),
        ...(props.tolerations === undefined ? {} : { tolerations: props.tolerations }),
        ...(this.prometheusPort === undefined
          ? {}
          : {
              ports: [{ name: 'prometheus', port: this.prometheusPort, protocol: 'TCP' as const }],
            }),
      },
    })
  }
}

/** Downward-API variables, available to the config without being passed in props. */
const POD_ENV: NonNullable<Container['env']> = [
  { name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  { name: 'K8S_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'K8S_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  { name: 'K8S_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
]
const POD_ENV_NAMES = new Set(POD_ENV.map((variable) => variable.name))
