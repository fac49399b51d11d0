// The in-cluster load test of `make load-cluster`, as cdk8s synthesizes it from the repo's inputs
// (kubeconform -strict checks it with the rest of the platform in `make test-platform`).
import assert from 'node:assert/strict'
import { App } from 'cdk8s'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse } from 'yaml'
import { readInputs } from '../../cdk8s/src/inputs'
import { buildPlatform } from '../../cdk8s/src/platform'
import { ROOT } from '../../dev/local/stack'

interface Obj {
  kind: string
  metadata: { name: string; namespace: string }
  data?: Record<string, string>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk the pod spec
  spec?: any
}

function loadTestObjects(): Obj[] {
  const platform = buildPlatform(new App({ outdir: '/nonexistent' }), readInputs(ROOT))
  assert.ok(platform.loadTest, 'the platform has no load-test chart')
  return platform.loadTest.toJson() as Obj[]
}

const versions = readFileSync(join(ROOT, 'versions.env'), 'utf8')
const pin = (key: string) => new RegExp(`^${key}=(.+)$`, 'm').exec(versions)?.[1]

test('the Job runs dev/traffic/locustfile.py and its scenario.json, mounted from a ConfigMap, with the pinned Locust image', () => {
  const objects = loadTestObjects()
  assert.deepEqual(
    objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`),
    ['ConfigMap shop/shop-load', 'Job shop/shop-load'],
  )
  const [script, job] = objects as [Obj, Obj]
  // One source: the very files `make load` runs locally, side by side as the locustfile reads them.
  assert.deepEqual(Object.keys(script.data ?? {}), ['locustfile.py', 'scenario.json'])
  for (const name of ['locustfile.py', 'scenario.json'])
    assert.equal(script.data?.[name], readFileSync(join(ROOT, 'dev/traffic', name), 'utf8'))

  const pod = job.spec.template.spec
  const [locust] = pod.containers
  assert.equal(locust.image, 'docker.io/locustio/locust:2.47.0')
  assert.equal(locust.image, pin('LOCUST_IMAGE'))
  // The image and `make load`'s PyPI install are the same release.
  assert.equal(locust.image.split(':').pop(), pin('LOCUST_VERSION'))
  assert.deepEqual(locust.args, [
    '--locustfile',
    '/scripts/locustfile.py',
    '--headless',
    '--only-summary',
  ])
  const mount = locust.volumeMounts.find((m: { name: string }) => m.name === 'script')
  assert.deepEqual(mount, { name: 'script', mountPath: '/scripts', readOnly: true })
  assert.ok(
    pod.volumes.some((v: { configMap?: { name: string } }) => v.configMap?.name === 'shop-load'),
  )
  const env = Object.fromEntries(
    locust.env.map((e: { name: string; value: string }) => [e.name, e.value]),
  )
  assert.equal(env.FRONTEND_URL, 'http://shopscope-frontend.shop.svc.cluster.local:8080')
  assert.equal(
    env.PRODUCT_SERVICE_URL,
    'http://shopscope-product-service.shop.svc.cluster.local:8082',
  )
  // The full scenario (2.5 min) with the locustfile's default thresholds: none is relaxed here.
  assert.equal(env.LOAD_SCALE, '1')
  assert.ok(!Object.keys(env).some((name) => /^LOAD_(P95_MS|THINK_SECONDS)$/.test(name)))
  // A crossed threshold fails the Job once: a load test is not retried.
  assert.equal(job.spec.backoffLimit, 0)
  assert.equal(pod.restartPolicy, 'Never')
})

test('the Locust pod meets the restricted Pod Security Standard of namespace shop and is bounded', () => {
  const job = loadTestObjects().find((o) => o.kind === 'Job')!
  const pod = job.spec.template.spec
  assert.equal(pod.securityContext.runAsNonRoot, true)
  assert.ok(pod.securityContext.runAsUser > 0)
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault')
  assert.equal(pod.automountServiceAccountToken, false)
  for (const container of pod.containers) {
    assert.equal(container.securityContext.allowPrivilegeEscalation, false)
    assert.equal(container.securityContext.readOnlyRootFilesystem, true)
    assert.deepEqual(container.securityContext.capabilities.drop, ['ALL'])
    assert.ok(container.resources.requests.cpu && container.resources.limits.memory)
    // Read-only root: whatever Locust or Python writes goes to bounded emptyDirs ($HOME, /tmp).
    const env = Object.fromEntries(
      container.env.map((e: { name: string; value: string }) => [e.name, e.value]),
    )
    const writable = container.volumeMounts
      .filter((m: { readOnly?: boolean }) => !m.readOnly)
      .map((m: { name: string; mountPath: string }) => {
        const volume = pod.volumes.find((v: { name: string }) => v.name === m.name)
        assert.ok(volume.emptyDir?.sizeLimit, `${m.mountPath} is not a bounded emptyDir`)
        return m.mountPath
      })
    assert.deepEqual(writable.sort(), [env.HOME, '/tmp'].sort())
    assert.equal(env.PYTHONDONTWRITEBYTECODE, '1')
  }
  assert.ok(job.spec.activeDeadlineSeconds > 0)
})

test("the app chart's NetworkPolicies on kind admit the Locust pod to the API services", () => {
  const job = loadTestObjects().find((o) => o.kind === 'Job')!
  const podLabels: Record<string, string> = job.spec.template.metadata.labels
  const kindValues = parse(readFileSync(join(ROOT, 'charts/shopscope/ci/kind-values.yaml'), 'utf8'))
  const peers: { podSelector?: { matchLabels?: Record<string, string> } }[] =
    kindValues.networkPolicy.apiFrom
  // product-service receives the invalid JSON straight from the Job (frontendFrom stays open).
  assert.ok(
    peers.some((peer) => {
      const wanted = Object.entries(peer.podSelector?.matchLabels ?? {})
      return wanted.length > 0 && wanted.every(([key, value]) => podLabels[key] === value)
    }),
    `no networkPolicy.apiFrom peer selects ${JSON.stringify(podLabels)}`,
  )
  assert.deepEqual(kindValues.networkPolicy.frontendFrom ?? [], [])
})
