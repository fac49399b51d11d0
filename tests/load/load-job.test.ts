// The in-cluster load test of `make load-cluster`, as cdk8s synthesizes it from the repo's inputs
// (kubeconform -strict checks it with the rest of the platform in `make test-platform`).
import assert from 'node:assert/strict'
import { App } from 'cdk8s'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { readInputs } from '../../cdk8s/src/inputs'
import { buildPlatform } from '../../cdk8s/src/platform'
import { ROOT } from '../../scripts/local/stack'

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
const pinnedK6Image = /^K6_IMAGE=(.+)$/m.exec(versions)?.[1]

test('the Job runs tests/load/shop.js, mounted from a ConfigMap, with the pinned k6 image', () => {
  const objects = loadTestObjects()
  assert.deepEqual(
    objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`),
    ['ConfigMap shop/shop-load', 'Job shop/shop-load'],
  )
  const [script, job] = objects as [Obj, Obj]
  assert.equal(script.data?.['shop.js'], readFileSync(join(ROOT, 'tests/load/shop.js'), 'utf8'))

  const pod = job.spec.template.spec
  const [k6] = pod.containers
  assert.equal(k6.image, pinnedK6Image)
  assert.deepEqual(k6.args, ['run', '--no-usage-report', '/scripts/shop.js'])
  const env = Object.fromEntries(
    k6.env.map((e: { name: string; value: string }) => [e.name, e.value]),
  )
  assert.equal(env.FRONTEND_URL, 'http://shopscope-frontend.shop.svc.cluster.local:8080')
  assert.equal(
    env.PRODUCT_SERVICE_URL,
    'http://shopscope-product-service.shop.svc.cluster.local:8082',
  )
  assert.ok(
    pod.volumes.some((v: { configMap?: { name: string } }) => v.configMap?.name === 'shop-load'),
  )
  // A crossed threshold fails the Job once: a load test is not retried.
  assert.equal(job.spec.backoffLimit, 0)
  assert.equal(pod.restartPolicy, 'Never')
})

test('the k6 pod meets the restricted Pod Security Standard of namespace shop and is bounded', () => {
  const job = loadTestObjects().find((o) => o.kind === 'Job')!
  const pod = job.spec.template.spec
  assert.equal(pod.securityContext.runAsNonRoot, true)
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault')
  assert.equal(pod.automountServiceAccountToken, false)
  for (const container of pod.containers) {
    assert.equal(container.securityContext.allowPrivilegeEscalation, false)
    assert.equal(container.securityContext.readOnlyRootFilesystem, true)
    assert.deepEqual(container.securityContext.capabilities.drop, ['ALL'])
    assert.ok(container.resources.requests.cpu && container.resources.limits.memory)
  }
  assert.ok(job.spec.activeDeadlineSeconds > 0)
})
