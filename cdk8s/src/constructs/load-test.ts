import { Construct } from 'constructs'
import { componentLabels, imageTag, manifest } from '../api'
import { restrictedContainer, restrictedPod } from '../security'

export interface LoadTestProps {
  readonly namespace: string
  /** The k6 image (versions.env K6_IMAGE). */
  readonly image: string
  /** tests/load/shop.js, read at synth time: the scenario `make load` runs locally. */
  readonly script: string
  /** Base URLs of the Services the scenario drives (the app chart's frontend and product-service). */
  readonly frontendUrl: string
  readonly productServiceUrl: string
  /** K6_SCALE of the scenario: 1 is the seed report's 2.5 minutes. */
  readonly scale?: string
}

/** The grafana/k6 image's `k6` user. */
const K6_UID = 12345

/**
 * The k6 shop scenario as a one-shot Job (`make load-cluster` applies it and follows its logs).
 * k6 exits non-zero when a threshold is crossed, so the Job fails and is not retried.
 */
export class LoadTest extends Construct {
  readonly name = 'shop-load'

  constructor(scope: Construct, id: string, props: LoadTestProps) {
    super(scope, id)
    const labels = componentLabels(this.name, 'load-test', imageTag(props.image))
    const metadata = { name: this.name, namespace: props.namespace, labels }

    manifest(this, 'script', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata,
      data: { 'shop.js': props.script },
    })

    manifest(this, 'job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata,
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 1800,
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: restrictedPod(K6_UID),
            containers: [
              {
                name: 'k6',
                image: props.image,
                args: ['run', '--no-usage-report', '/scripts/shop.js'],
                env: [
                  { name: 'FRONTEND_URL', value: props.frontendUrl },
                  { name: 'PRODUCT_SERVICE_URL', value: props.productServiceUrl },
                  { name: 'K6_SCALE', value: props.scale ?? '1' },
                ],
                resources: {
                  requests: { cpu: '100m', memory: '128Mi' },
                  limits: { cpu: '1', memory: '512Mi' },
                },
                securityContext: restrictedContainer(),
                volumeMounts: [
                  { name: 'script', mountPath: '/scripts', readOnly: true },
                  // k6 keeps its state under $HOME; the root filesystem is read-only.
                  { name: 'home', mountPath: '/home/k6' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'script', configMap: { name: this.name } },
              { name: 'home', emptyDir: { sizeLimit: '16Mi' } },
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ],
          },
        },
      },
    })
  }
}
