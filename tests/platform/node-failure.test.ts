// What lets the shop survive a lost node (`make chaos-node`): its pods leave a dead node after
// nodeFailureTolerationSeconds instead of Kubernetes' 300 s, and on kind every service has two
// replicas and a PodDisruptionBudget, so the other worker always keeps one of each. The tracing
// path (the Collector, Jaeger) leaves with them: cdk8s reads the same value from the chart.
import assert from 'node:assert/strict'
import { basename } from 'node:path'
import { describe, it } from 'node:test'
import { COLLECTOR, JAEGER, SERVICE_NAMES } from '@shopscope/system'
import {
  type K8sObject,
  ciValuesFiles,
  helmTemplate,
  helmTemplateResult,
  parseObjects,
  readObjects,
  synthPlatform,
} from '../../dev/cluster/render'

const NODE_FAILURE_TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']
const kind = ciValuesFiles().find((file) => basename(file) === 'kind-values.yaml') as string

const ofKind = (objects: K8sObject[], k: string) => objects.filter((o) => o.kind === k)
const component = (o: K8sObject) => o.metadata.labels?.['app.kubernetes.io/component']

const tolerations = (seconds: number) =>
  NODE_FAILURE_TAINTS.map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: seconds,
  }))

describe('charts/shopscope on a node failure', () => {
  for (const values of ciValuesFiles()) {
    it(`evicts each service's pods from a dead node after 30 s (${basename(values)})`, () => {
      const deployments = ofKind(parseObjects(helmTemplate([values])), 'Deployment')
      assert.deepEqual(deployments.map(component).sort(), [...SERVICE_NAMES].sort())
      for (const d of deployments)
        assert.deepEqual(d.spec.template.spec.tolerations, tolerations(30), component(d))
    })
  }

  it('takes another toleration time, and refuses a negative one', () => {
    const deployments = ofKind(
      parseObjects(helmTemplate([kind], ['nodeFailureTolerationSeconds=90'])),
      'Deployment',
    )
    for (const d of deployments) assert.deepEqual(d.spec.template.spec.tolerations, tolerations(90))
    const refused = helmTemplateResult([kind], ['nodeFailureTolerationSeconds=-1'])
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /nodeFailureTolerationSeconds/)
  })

  it("gives the Collector and Jaeger (cdk8s) the tolerations of the chart's values (kind)", () => {
    const [shop] = ofKind(parseObjects(helmTemplate([kind])), 'Deployment')
    const expected = shop?.spec.template.spec.tolerations
    assert.deepEqual(expected, tolerations(30))
    const platform = readObjects(synthPlatform().files)
    const find = (k: string, name: string) =>
      platform.find((o) => o.kind === k && o.metadata.name === name)
    assert.deepEqual(find('OpenTelemetryCollector', COLLECTOR.name)?.spec.tolerations, expected)
    assert.deepEqual(find('Deployment', JAEGER.name)?.spec.template.spec.tolerations, expected)
  })

  it('runs two replicas of every service on kind, each under a PodDisruptionBudget', () => {
    const objects = parseObjects(helmTemplate([kind]))
    for (const d of ofKind(objects, 'Deployment'))
      assert.equal(d.spec.replicas, 2, `${component(d)} replicas`)
    const budgets = ofKind(objects, 'PodDisruptionBudget')
    assert.deepEqual(budgets.map(component).sort(), [...SERVICE_NAMES].sort())
    for (const pdb of budgets) assert.equal(pdb.spec.minAvailable, 1, component(pdb))
  })
})
