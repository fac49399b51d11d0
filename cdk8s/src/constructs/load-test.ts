import { Construct } from 'constructs'
import { componentLabels, imageTag, manifest } from '../api'
import { restrictedContainer, restrictedPod } from '../security'

export interface LoadTestProps {
  readonly namespace: string
  /** The Locust image (versions.env LOCUST_IMAGE). */
  readonly image: string
  /**
   * dev/traffic/locustfile.py and the scenario.json it reads, read at synth time: the scenario
   * `make load` runs locally. Mounted side by side in /scripts.
   */
  readonly files: Record<string, string>
  /** Base URLs of the Services the scenario drives (the app chart's frontend and product-service). */
  readonly frontendUrl: string
  readonly productServiceUrl: string
  /** LOAD_SCALE of the scenario: 1 is the seed report's 2.5 minutes. */
  readonly scale?: string
}

/** The locustio/locust image's `locust` user (useradd's first uid), whose home is its workdir. */
const LOCUST_UID = 1000
const LOCUST_HOME = '/home/locust'

/**
 * The Locust shop scenario as a one-shot Job (`make load-cluster` applies it and follows its
 * logs), headless, one process. The locustfile exits non-zero when a threshold is crossed, so the
 * Job fails and is not retried.
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
      data: props.files,
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
            securityContext: restrictedPod(LOCUST_UID),
            containers: [
              {
                name: 'locust',
                image: props.image,
                // The image's entrypoint is `locust`; the summary replaces the table every 2 s.
                args: ['--locustfile', '/scripts/locustfile.py', '--headless', '--only-summary'],
                env: [
                  { name: 'FRONTEND_URL', value: props.frontendUrl },
                  { name: 'PRODUCT_SERVICE_URL', value: props.productServiceUrl },
                  { name: 'LOAD_SCALE', value: props.scale ?? '1' },
                  { name: 'HOME', value: LOCUST_HOME },
                  // The mounted locustfile is read-only: no __pycache__ next to it.
                  { name: 'PYTHONDONTWRITEBYTECODE', value: '1' },
                ],
                resources: {
                  requests: { cpu: '100m', memory: '128Mi' },
                  limits: { cpu: '1', memory: '512Mi' },
                },
                securityContext: restrictedContainer(),
                volumeMounts: [
                  { name: 'script', mountPath: '/scripts', readOnly: true },
                  // The root filesystem is read-only: $HOME (the workdir) and /tmp are scratch.
                  { name: 'home', mountPath: LOCUST_HOME },
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
