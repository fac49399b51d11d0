import { MYSQL_PORT } from '@shopscope/system'
import { Construct } from 'constructs'
import { componentLabels, imageTag, manifest, selectorLabels } from '../api'
import { GENERATED_SECRET, restrictedContainer, restrictedPod } from '../security'

export interface MySqlProps {
  readonly namespace: string
  /** Database (and user) name; the StatefulSet and its Service are `mysql-<database>`. */
  readonly database: string
  /** Password of the application user. Dev clusters only: staging brings its own database. */
  readonly password: string
  readonly image: string
  /** PVC size, e.g. 1Gi. */
  readonly storage: string
  readonly resources: { requests: Record<string, string>; limits: Record<string, string> }
}

const PORT = MYSQL_PORT
const ROOT_PASSWORD = 'MYSQL_ROOT_PASSWORD'

/**
 * One MySQL server: a single-replica StatefulSet with its PVC, a Secret with its credentials
 * (read by the image's entrypoint on first start) and a Service named like the StatefulSet.
 * The root password is in a Secret of its own, generated in the cluster (GENERATED_SECRET):
 * nothing in the repo, or known to the application, can derive it.
 */
export class MySql extends Construct {
  readonly name: string
  readonly secretName: string
  readonly rootSecretName: string
  readonly host: string
  /** The DATABASE_URL its service connects with. */
  readonly databaseUrl: string
  /** Labels of its pod, and its port (for NetworkPolicies). */
  readonly pods: Record<string, string>
  readonly port = PORT

  constructor(scope: Construct, id: string, props: MySqlProps) {
    super(scope, id)
    this.name = `mysql-${props.database}`
    this.secretName = this.name
    this.rootSecretName = `${this.name}-root`
    this.host = `${this.name}.${props.namespace}.svc.cluster.local`
    this.databaseUrl = `mysql://${props.database}:${props.password}@${this.host}:${PORT}/${props.database}`
    const labels = componentLabels(this.name, 'database', imageTag(props.image))
    labels['app.kubernetes.io/name'] = 'mysql'
    const selector = { ...selectorLabels(this.name), 'app.kubernetes.io/name': 'mysql' }
    this.pods = selector
    const metadata = { name: this.name, namespace: props.namespace, labels }

    manifest(this, 'secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata,
      type: 'Opaque',
      stringData: {
        MYSQL_DATABASE: props.database,
        MYSQL_USER: props.database,
        MYSQL_PASSWORD: props.password,
      },
    })
    // The root account is only used by the image's initialisation and the probes.
    manifest(this, 'root-secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: this.rootSecretName,
        namespace: props.namespace,
        labels: { ...labels, [GENERATED_SECRET.label]: 'true' },
        annotations: { [GENERATED_SECRET.keysAnnotation]: ROOT_PASSWORD },
      },
      type: 'Opaque',
    })

    manifest(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        selector,
        ports: [{ name: 'mysql', port: PORT, targetPort: 'mysql', protocol: 'TCP' }],
      },
    })

    // mysqladmin ping as root: answers only once initialisation has finished.
    const ping = [
      'sh',
      '-c',
      'mysqladmin ping -h 127.0.0.1 -uroot -p"$MYSQL_ROOT_PASSWORD" --silent',
    ]
    manifest(this, 'statefulset', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata,
      spec: {
        serviceName: this.name,
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            // The image's mysql user (uid 999) owns the data directory.
            securityContext: restrictedPod(999),
            containers: [
              {
                name: 'mysql',
                image: props.image,
                args: ['--innodb-buffer-pool-size=64M', '--performance-schema=OFF'],
                envFrom: [{ secretRef: { name: this.secretName } }],
                env: [
                  {
                    name: ROOT_PASSWORD,
                    valueFrom: { secretKeyRef: { name: this.rootSecretName, key: ROOT_PASSWORD } },
                  },
                ],
                ports: [{ name: 'mysql', containerPort: PORT, protocol: 'TCP' }],
                startupProbe: { exec: { command: ping }, periodSeconds: 5, failureThreshold: 60 },
                readinessProbe: { exec: { command: ping }, periodSeconds: 5, timeoutSeconds: 3 },
                livenessProbe: {
                  tcpSocket: { port: 'mysql' },
                  periodSeconds: 10,
                  failureThreshold: 6,
                },
                resources: props.resources,
                securityContext: restrictedContainer(),
                // Besides its data, the server writes only its socket and pid file, and
                // temporary files: the rest of the image stays read-only.
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/mysql' },
                  { name: 'run', mountPath: '/var/run/mysqld' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'run', emptyDir: { sizeLimit: '1Mi' } },
              { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
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
