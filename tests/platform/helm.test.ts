import assert from 'node:assert/strict'
import { basename } from 'node:path'
import { describe, it } from 'node:test'
import {
  APP_NAMESPACE,
  KUBERNETES_VERSION,
  ciValuesFiles,
  helmTemplate,
  helmTemplateResult,
  parseObjects,
} from '../../dev/cluster/render'
import { CHART_DIR, tool } from '../../dev/cluster/tools'
import { runSync } from '../../dev/cluster/run'

const kind = ciValuesFiles().find((file) => basename(file) === 'kind-values.yaml') as string

describe('charts/shopscope', () => {
  it('has a kind and a staging values file', () => {
    assert.deepEqual(
      ciValuesFiles().map((file) => basename(file)),
      ['kind-values.yaml', 'staging-values.yaml'],
    )
  })

  for (const values of ciValuesFiles()) {
    it(`passes helm lint --strict with ${basename(values)}`, () => {
      const args = [
        'lint',
        CHART_DIR,
        '--strict',
        '--values',
        values,
        '--kube-version',
        KUBERNETES_VERSION,
      ]
      const result = runSync(tool('helm'), args)
      assert.equal(result.code, 0, result.stdout + result.stderr)
    })

    it(`renders the four services with ${basename(values)}`, () => {
      const objects = parseObjects(helmTemplate([values]))
      const deployments = objects.filter((o) => o.kind === 'Deployment')
      assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), [
        'shopscope-frontend',
        'shopscope-order-service',
        'shopscope-product-service',
        'shopscope-user-service',
      ])
      for (const object of objects)
        assert.equal(object.metadata.namespace, APP_NAMESPACE, object.metadata.name)
    })
  }

  it('refuses to render without credentials', () => {
    const result = helmTemplateResult([])
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, /secrets\.values\.\w+ is required/)
  })

  it('rejects values the schema does not know (a typo)', () => {
    const result = helmTemplateResult([kind], ['services.frontend.replicas=3'])
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, /additional properties 'replicas' not allowed/)
  })

  it('runs restricted pods: non-root, read-only root, no privilege escalation, no capabilities', () => {
    for (const deployment of parseObjects(helmTemplate([kind])).filter(
      (o) => o.kind === 'Deployment',
    )) {
      const pod = deployment.spec.template.spec
      assert.equal(pod.securityContext.runAsNonRoot, true)
      assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault')
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const sc = container.securityContext
        assert.equal(sc.readOnlyRootFilesystem, true, container.name)
        assert.equal(sc.allowPrivilegeEscalation, false, container.name)
        assert.deepEqual(sc.capabilities.drop, ['ALL'], container.name)
        assert.ok(container.volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/tmp'))
      }
    }
  })

  it('switches between operator injection and the bootstrap with telemetry.mode', () => {
    const operator = parseObjects(helmTemplate([kind]))
    const bootstrap = parseObjects(helmTemplate([kind], ['telemetry.mode=bootstrap']))
    const annotation = 'instrumentation.opentelemetry.io/inject-nodejs'
    const frontend = (objects: typeof operator, kindName: string) =>
      objects.find((o) => o.kind === kindName && o.metadata.name === 'shopscope-frontend')!
    assert.equal(
      frontend(operator, 'Deployment').spec.template.metadata.annotations[annotation],
      'observability/shopscope',
    )
    assert.equal(
      frontend(bootstrap, 'Deployment').spec.template.metadata.annotations[annotation],
      undefined,
    )
    assert.equal(frontend(operator, 'ConfigMap').data!.NODE_OPTIONS, undefined)
    assert.equal(
      frontend(bootstrap, 'ConfigMap').data!.NODE_OPTIONS,
      '--require /app/services/telemetry/dist/autoinstrumentation.js',
    )
  })

  it('keeps every immutable field equal across values files, so helm upgrade works in place', () => {
    const renders = [
      ...ciValuesFiles().map((file) => parseObjects(helmTemplate([file]))),
      parseObjects(
        helmTemplate(
          [kind],
          ['telemetry.mode=bootstrap', 'services.frontend.autoscaling.enabled=true'],
        ),
      ),
    ]
    const immutable = (objects: ReturnType<typeof parseObjects>) =>
      objects
        .filter(
          (o) =>
            o.kind === 'Deployment' || o.kind === 'PodDisruptionBudget' || o.kind === 'Service',
        )
        .map((o) => [o.kind, o.metadata.name, o.spec.selector, o.spec.clusterIP ?? null])
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
    const [first, ...others] = renders.map(immutable)
    for (const other of others) {
      for (const entry of other) {
        const same = first!.find((e) => e[0] === entry[0] && e[1] === entry[1])
        if (same) assert.deepEqual(entry, same)
      }
    }
  })
})
