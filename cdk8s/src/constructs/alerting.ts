import { Construct } from 'constructs'
import { parse } from 'yaml'
import { componentLabels, imageTag, manifest, selectorLabels } from '../api'
import type { Container } from '../k8s-types'
import { besidePrometheus } from '../monitoring-placement'
import { RUNBOOKS_PATH } from '../runbooks'
import { restrictedContainer, restrictedPod } from '../security'
import { type AlertmanagerFile, toAlertmanagerConfigSpec } from './alertmanager-format'

export interface AlertingProps {
  readonly namespace: string
  /** alerts/alertmanager.yaml: Alertmanager's own configuration format. */
  readonly alertmanagerFile: string
  /** Base URL standing for "the receiver" in that file, replaced by the cluster's receiver. */
  readonly receiverPlaceholder: string
  /** Labels kube-prometheus-stack's alertmanagerConfigSelector matches. */
  readonly labels: Record<string, string>
  /** Image of the webhook receiver (busybox httpd). */
  readonly image: string
  /** docs/runbooks/*.md: file name → text, served at RUNBOOKS_PATH on the runbooks port. */
  readonly runbooks: Record<string, string>
  /** The runbooks' node port (kind-config.yaml maps it to this machine). */
  readonly runbooksNodePort: number
}

const PORT = 9095
const NAME = 'alert-receiver'
const RUNBOOKS = { name: 'runbooks', port: 9096 } as const
// busybox httpd sends unknown extensions as application/octet-stream: a browser would download them.
const RUNBOOKS_HTTPD_CONF = '.md:text/plain;charset=utf-8\n'

/**
 * The AlertmanagerConfig built from alerts/alertmanager.yaml, delivering to an in-cluster
 * webhook receiver that logs every notification: `kubectl -n observability logs
 * deploy/alert-receiver` shows what Alertmanager delivered, to which receiver path. The same
 * pod serves docs/runbooks/ on a port of its own (node port `runbooks`), where the alerts'
 * runbook_url lead on kind: the receiver's port stays Alertmanager's alone.
 */
export class Alerting extends Construct {
  readonly receiverUrl: string
  /** Labels of the receiver's pod, and its port (for NetworkPolicies). */
  readonly receiverPods = selectorLabels(NAME)
  readonly receiverPort = PORT
  /** The runbooks' port in that pod, opened to browsers through the node port. */
  readonly runbooksPort = RUNBOOKS.port

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id)
    // busybox httpd runs CGI scripts from /cgi-bin only: <base>/alerts/critical reaches the
    // `alerts` script with PATH_INFO=/critical.
    this.receiverUrl = `http://${NAME}.${props.namespace}.svc.cluster.local:${PORT}/cgi-bin`
    const file = parse(props.alertmanagerFile) as AlertmanagerFile
    const spec = toAlertmanagerConfigSpec(file, (url) => {
      if (!url.startsWith(props.receiverPlaceholder)) {
        throw new Error(
          `alertmanager config: receiver URL ${url} does not use ${props.receiverPlaceholder}`,
        )
      }
      return this.receiverUrl + url.slice(props.receiverPlaceholder.length)
    })
    manifest(this, 'config', {
      apiVersion: 'monitoring.coreos.com/v1alpha1',
      kind: 'AlertmanagerConfig',
      metadata: { name: 'shopscope', namespace: props.namespace, labels: props.labels },
      spec,
    })

    const labels = componentLabels(NAME, 'alert-receiver', imageTag(props.image))
    const metadata = { name: NAME, namespace: props.namespace, labels }
    manifest(this, 'script', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata,
      data: { alerts: RECEIVER_SCRIPT },
    })
    manifest(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        selector: selectorLabels(NAME),
        ports: [{ name: 'http', port: PORT, targetPort: 'http', protocol: 'TCP' }],
      },
    })
    const runbooksMetadata = { ...metadata, name: RUNBOOKS.name }
    manifest(this, 'runbooks', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: runbooksMetadata,
      data: { ...props.runbooks, 'httpd.conf': RUNBOOKS_HTTPD_CONF },
    })
    manifest(this, 'runbooks-service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: runbooksMetadata,
      spec: {
        type: 'NodePort',
        selector: selectorLabels(NAME),
        ports: [
          {
            name: 'http',
            port: RUNBOOKS.port,
            targetPort: RUNBOOKS.name,
            nodePort: props.runbooksNodePort,
            protocol: 'TCP',
          },
        ],
      },
    })
    manifest(this, 'deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: selectorLabels(NAME) },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPod(10001),
            // Alertmanager delivers here: one failure domain with it and Prometheus
            // (monitoring-placement.ts), so a lost node's alert is delivered.
            affinity: besidePrometheus(),
            containers: [
              {
                name: 'httpd',
                image: props.image,
                command: ['httpd', '-f', '-v', '-p', String(PORT), '-h', '/www'],
                ports: [{ name: 'http', containerPort: PORT, protocol: 'TCP' }],
                readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 10 },
                resources: {
                  requests: { cpu: '5m', memory: '8Mi' },
                  limits: { cpu: '50m', memory: '32Mi' },
                },
                securityContext: restrictedContainer(),
                volumeMounts: [{ name: 'cgi', mountPath: '/www/cgi-bin', readOnly: true }],
              },
              runbooksContainer(props.image),
            ],
            volumes: [
              { name: 'cgi', configMap: { name: NAME, defaultMode: 0o555 } },
              {
                name: 'runbooks',
                configMap: {
                  name: RUNBOOKS.name,
                  items: Object.keys(props.runbooks)
                    .sort()
                    .map((file) => ({ key: file, path: `${RUNBOOKS_PATH.slice(1)}/${file}` })),
                },
              },
              {
                name: 'runbooks-httpd',
                configMap: {
                  name: RUNBOOKS.name,
                  items: [{ key: 'httpd.conf', path: 'httpd.conf' }],
                },
              },
            ],
          },
        },
      },
    })
  }
}

/** busybox httpd serving /www: docs/runbooks/ at RUNBOOKS_PATH, nothing else. */
function runbooksContainer(image: string): Container {
  return {
    name: RUNBOOKS.name,
    image,
    command: [
      'httpd',
      '-f',
      '-p',
      String(RUNBOOKS.port),
      '-h',
      '/www',
      '-c',
      '/etc/httpd/httpd.conf',
    ],
    ports: [{ name: RUNBOOKS.name, containerPort: RUNBOOKS.port, protocol: 'TCP' }],
    readinessProbe: { tcpSocket: { port: RUNBOOKS.name }, periodSeconds: 10 },
    resources: {
      requests: { cpu: '5m', memory: '8Mi' },
      limits: { cpu: '50m', memory: '32Mi' },
    },
    securityContext: restrictedContainer(),
    volumeMounts: [
      { name: 'runbooks', mountPath: '/www', readOnly: true },
      { name: 'runbooks-httpd', mountPath: '/etc/httpd', readOnly: true },
    ],
  }
}

// One log line per notification (stderr is the container log), then 200 for Alertmanager.
const RECEIVER_SCRIPT = `#!/bin/sh
body=$(head -c "\${CONTENT_LENGTH:-0}")
echo "alert delivered to \${PATH_INFO#/}: $body" >&2
printf 'Status: 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nok\\n'
`
