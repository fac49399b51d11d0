import assert from 'node:assert/strict'
import { basename } from 'node:path'
import { describe, it } from 'node:test'
import { SERVICE_NAMES } from '@shopscope/system'
import {
  type K8sObject,
  ciValuesFiles,
  helmTemplate,
  helmTemplateResult,
  parseObjects,
} from '../../dev/cluster/render'

const kind = ciValuesFiles().find((file) => basename(file) === 'kind-values.yaml') as string

function deployments(set: string[] = [], values = kind): Map<string, K8sObject> {
  const objects = parseObjects(helmTemplate([values], set))
  return new Map(
    objects
      .filter((o) => o.kind === 'Deployment')
      .map((d) => [d.metadata.labels?.['app.kubernetes.io/component'] as string, d]),
  )
}

describe('charts/shopscope topology spread', () => {
  for (const values of ciValuesFiles()) {
    it(`spreads each service's pods over the nodes by default (${basename(values)})`, () => {
      const rendered = deployments([], values)
      assert.deepEqual([...rendered.keys()].sort(), [...SERVICE_NAMES].sort())
      for (const [name, deployment] of rendered) {
        // The Deployment's own selector: immutable, so the constraint never drifts from it.
        const selector = deployment.spec.selector.matchLabels
        assert.equal(selector['app.kubernetes.io/component'], name)
        assert.deepEqual(deployment.spec.template.spec.topologySpreadConstraints, [
          {
            maxSkew: 1,
            topologyKey: 'kubernetes.io/hostname',
            // A one-node cluster (CI's, a laptop's) still schedules every replica.
            whenUnsatisfiable: 'ScheduleAnyway',
            // kind's control plane is tainted: it is no domain the pods could ever use.
            nodeTaintsPolicy: 'Honor',
            labelSelector: { matchLabels: selector },
            // A rollout's new ReplicaSet is spread on its own, not against the old pods.
            matchLabelKeys: ['pod-template-hash'],
          },
        ])
      }
    })
  }

  it('can be turned off for the release or for one service', () => {
    for (const deployment of deployments(['topologySpread.enabled=false']).values())
      assert.equal(deployment.spec.template.spec.topologySpreadConstraints, undefined)

    const one = deployments(['services.order-service.topologySpread.enabled=false'])
    assert.equal(one.get('order-service')?.spec.template.spec.topologySpreadConstraints, undefined)
    assert.equal(one.get('frontend')?.spec.template.spec.topologySpreadConstraints.length, 1)
  })

  it('takes a stricter policy for the release and per service', () => {
    const strict = deployments([
      'topologySpread.whenUnsatisfiable=DoNotSchedule',
      'services.frontend.topologySpread.maxSkew=2',
      'services.user-service.topologySpread.topologyKey=topology.kubernetes.io/zone',
    ])
    const constraint = (name: string) =>
      strict.get(name)?.spec.template.spec.topologySpreadConstraints[0]
    for (const name of SERVICE_NAMES)
      assert.equal(constraint(name).whenUnsatisfiable, 'DoNotSchedule')
    assert.equal(constraint('frontend').maxSkew, 2)
    assert.equal(constraint('order-service').maxSkew, 1)
    assert.equal(constraint('user-service').topologyKey, 'topology.kubernetes.io/zone')
    assert.equal(constraint('product-service').topologyKey, 'kubernetes.io/hostname')
  })

  it('rejects a policy Kubernetes does not know', () => {
    const result = helmTemplateResult([kind], ['topologySpread.whenUnsatisfiable=Sometimes'])
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, /whenUnsatisfiable/)
  })
})

describe('charts/shopscope PodDisruptionBudgets', () => {
  for (const values of ciValuesFiles()) {
    it(`leave a node drain room to evict a pod (${basename(values)})`, () => {
      const objects = parseObjects(helmTemplate([values]))
      const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget')
      assert.ok(pdbs.length > 0)
      for (const pdb of pdbs) {
        const name = pdb.metadata.labels?.['app.kubernetes.io/component']
        const deployment = objects.find(
          (o) => o.kind === 'Deployment' && o.metadata.name === pdb.metadata.name,
        )
        const hpa = objects.find(
          (o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === pdb.metadata.name,
        )
        const fewest = hpa ? hpa.spec.minReplicas : deployment?.spec.replicas
        assert.ok(
          pdb.spec.minAvailable < fewest,
          `${name}: minAvailable ${pdb.spec.minAvailable} of ${fewest}`,
        )
      }
    })
  }

  it('refuses a PodDisruptionBudget that would block every drain', () => {
    const result = helmTemplateResult([kind], ['services.order-service.replicaCount=1'])
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, /services\.order-service\.pdb\.minAvailable 1 .*replicas 1/)
  })
})
