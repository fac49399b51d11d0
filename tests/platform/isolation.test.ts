// The NetworkPolicies of cdk8s/src/isolation.ts select the upstream charts' pods by the labels
// and ports of cdk8s/src/names.ts (UPSTREAM_PODS): render those charts as cluster-up installs
// them and check each selector finds its workload, listening on the port the policy opens.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { NAMESPACES, REPO_ROOT } from '@shopscope/system'
import { KPS_RELEASE, POD_CIDR, UPSTREAM_PODS } from '../../cdk8s/src/names'
import { type K8sObject, VERSIONS, parseObjects, synthPlatform } from '../../dev/cluster/render'
import { chartPath, operatorValuesArgs, templateUpstream } from './lib/upstream-charts'

const render = (
  release: string,
  name: string,
  version: string,
  namespace: string,
  args: string[],
) => {
  const result = templateUpstream(release, chartPath(name, version), namespace, args)
  assert.equal(result.code, 0, result.stderr)
  return parseObjects(result.stdout)
}
const platform = synthPlatform()
const kps = render(
  KPS_RELEASE,
  'kube-prometheus-stack',
  VERSIONS.KUBE_PROMETHEUS_STACK_CHART_VERSION!,
  NAMESPACES.observability,
  ['--values', join(platform.dir, 'kube-prometheus-stack-values.yaml')],
)
const operator = render(
  'opentelemetry-operator',
  'opentelemetry-operator',
  VERSIONS.OTEL_OPERATOR_CHART_VERSION!,
  NAMESPACES.operator,
  operatorValuesArgs(),
)

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value)

/** The one Deployment or DaemonSet whose pods carry `labels`, and its container ports. */
function workload(objects: K8sObject[], labels: Record<string, string>) {
  const found = objects.filter(
    (o) =>
      ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind) &&
      matches(labels, o.spec.template.metadata.labels),
  )
  assert.equal(found.length, 1, `${JSON.stringify(labels)}: ${found.map((o) => o.metadata.name)}`)
  const ports: number[] = found[0]!.spec.template.spec.containers.flatMap(
    (c: { ports?: { containerPort: number }[] }) => (c.ports ?? []).map((p) => p.containerPort),
  )
  return { name: found[0]!.metadata.name, ports }
}

describe('NetworkPolicies against the upstream charts', () => {
  for (const key of ['grafana', 'kubeStateMetrics', 'prometheusOperator'] as const) {
    it(`kube-prometheus-stack: ${key} is the one workload selected, on port ${UPSTREAM_PODS[key].port}`, () => {
      const { name, ports } = workload(kps, UPSTREAM_PODS[key].labels)
      assert.ok(ports.includes(UPSTREAM_PODS[key].port), `${name} listens on ${ports}`)
    })
  }

  it('the operator webhooks call the ports the policies open to the API server', () => {
    const { ports } = workload(operator, UPSTREAM_PODS.otelOperator.labels)
    assert.ok(ports.includes(UPSTREAM_PODS.otelOperator.port))
    const promOperator = kps.find(
      (o) => o.kind === 'Service' && o.metadata.name === `${KPS_RELEASE}-operator`,
    )
    assert.ok(promOperator, 'the prometheus-operator Service')
    assert.ok(
      promOperator.spec.ports.some(
        (p: { targetPort: string | number }) =>
          p.targetPort === 'https' || p.targetPort === UPSTREAM_PODS.prometheusOperator.port,
      ),
    )
  })

  it('Prometheus and Alertmanager pods (the operator makes them) carry the labels the policies select', () => {
    for (const [service, { labels, port }] of [
      [`${KPS_RELEASE}-prometheus`, UPSTREAM_PODS.prometheus],
      [`${KPS_RELEASE}-alertmanager`, UPSTREAM_PODS.alertmanager],
    ] as const) {
      const found = kps.find((o) => o.kind === 'Service' && o.metadata.name === service)
      assert.ok(found, service)
      // The chart's own Service finds the pods by these labels.
      assert.ok(
        matches(labels, found.spec.selector),
        `${service}: ${JSON.stringify(found.spec.selector)}`,
      )
      assert.ok(
        found.spec.ports.some((p: { port: number }) => p.port === port),
        `${service}: ${JSON.stringify(found.spec.ports)}`,
      )
    }
  })

  it("the kind cluster's pod network is POD_CIDR", () => {
    const kind = readFileSync(join(REPO_ROOT, 'kind-config.yaml'), 'utf8')
    assert.match(kind, new RegExp(`podSubnet: ${POD_CIDR.replace(/\./g, '\\.')}`))
  })
})
