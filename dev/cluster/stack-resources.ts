import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '@shopscope/system'
import { parse } from 'yaml'
import { kubePrometheusStackValues } from '../../cdk8s/src/kube-prometheus-stack-values'
import {
  type K8sObject,
  VERSIONS,
  ciValuesFiles,
  helmTemplate,
  parseObjects,
  synthPlatform,
  readObjects,
} from './render'
import { cpuMillis, memoryBytes } from './quantities'

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> }

export interface Row {
  component: string
  /** Where the numbers come from: our manifests, an upstream chart's values, an estimate. */
  source: string
  cpuRequest: number
  memoryRequest: number
  cpuLimit: number
  memoryLimit: number
}

const KIND_NODES = 3

function row(component: string, source: string, resources: Resources | undefined, count = 1): Row {
  return {
    component,
    source,
    cpuRequest: cpuMillis(resources?.requests?.cpu) * count,
    memoryRequest: memoryBytes(resources?.requests?.memory) * count,
    cpuLimit: cpuMillis(resources?.limits?.cpu) * count,
    memoryLimit: memoryBytes(resources?.limits?.memory) * count,
  }
}

type Container = { name: string; resources?: Resources }

/**
 * A pod's effective request (what the scheduler reserves): the larger of the sum of its
 * containers and its largest init container.
 */
function podRow(
  component: string,
  source: string,
  containers: Container[],
  inits: Container[],
  count: number,
): Row {
  const sum = containers
    .map((c) => row(c.name, source, c.resources))
    .reduce(add, empty(component, source))
  const init = inits.map((c) => row(c.name, source, c.resources))
  const max = (key: keyof Omit<Row, 'component' | 'source'>) =>
    Math.max(sum[key], ...init.map((r) => r[key])) * count
  return {
    component,
    source,
    cpuRequest: max('cpuRequest'),
    memoryRequest: max('memoryRequest'),
    cpuLimit: max('cpuLimit'),
    memoryLimit: max('memoryLimit'),
  }
}

const empty = (component: string, source: string): Row => ({
  component,
  source,
  cpuRequest: 0,
  memoryRequest: 0,
  cpuLimit: 0,
  memoryLimit: 0,
})
export function add(a: Row, b: Row): Row {
  return {
    ...a,
    cpuRequest: a.cpuRequest + b.cpuRequest,
    memoryRequest: a.memoryRequest + b.memoryRequest,
    cpuLimit: a.cpuLimit + b.cpuLimit,
    memoryLimit: a.memoryLimit + b.memoryLimit,
  }
}

function workloadRows(objects: K8sObject[], source: string, injected?: Container): Row[] {
  const rows: Row[] = []
  for (const o of objects) {
    if (o.kind === 'Deployment' || o.kind === 'StatefulSet') {
      const pod = o.spec.template.spec
      const inits: Container[] = [...(pod.initContainers ?? [])]
      const annotations = o.spec.template.metadata.annotations ?? {}
      if (injected && annotations['instrumentation.opentelemetry.io/inject-nodejs'])
        inits.push(injected)
      rows.push(podRow(o.metadata.name, source, pod.containers, inits, o.spec.replicas ?? 1))
    }
    if (o.kind === 'OpenTelemetryCollector') {
      rows.push(row(`${o.metadata.name}-collector`, source, o.spec.resources, o.spec.replicas ?? 1))
    }
  }
  return rows
}

/** Every pod of the kind cluster that shopscope installs, with the resources it asks for. */
export function stackResources(): Row[] {
  const instrumentation = parse(
    readFileSync(join(REPO_ROOT, 'operator-config', 'instrumentation.yaml'), 'utf8'),
  )
  const injected: Container = {
    name: 'opentelemetry-auto-instrumentation',
    resources: instrumentation.spec.nodejs.resourceRequirements,
  }
  const kindValues = ciValuesFiles().find((file) => file.endsWith('kind-values.yaml')) as string
  const operatorValues = parse(
    readFileSync(join(REPO_ROOT, 'operator-config', 'opentelemetry-operator-values.yaml'), 'utf8'),
  )
  const kps = kubePrometheusStackValues('unused', VERSIONS)
  const kpsSource = 'kube-prometheus-stack values'
  return [
    ...workloadRows(parseObjects(helmTemplate([kindValues])), 'charts/shopscope (kind)', injected),
    ...workloadRows(readObjects(synthPlatform().files), 'cdk8s'),
    row('opentelemetry-operator', 'operator chart values', operatorValues.manager.resources),
    row('prometheus', kpsSource, kps.prometheus.prometheusSpec.resources),
    row('alertmanager', kpsSource, kps.alertmanager.alertmanagerSpec.resources),
    row('prometheus-operator', kpsSource, kps.prometheusOperator.resources),
    row('kube-state-metrics', kpsSource, kps['kube-state-metrics'].resources),
    row(
      'node-exporter (3 nodes)',
      kpsSource,
      kps['prometheus-node-exporter'].resources,
      KIND_NODES,
    ),
    row('grafana', kpsSource, kps.grafana.resources),
    row('grafana sidecars (dashboards, datasources)', kpsSource, kps.grafana.sidecar.resources, 2),
    // The chart's defaults set no resources for the config reloaders: our own estimate.
    row(
      'config reloaders (prometheus, alertmanager)',
      'estimate',
      { requests: { cpu: '10m', memory: '25Mi' } },
      2,
    ),
  ]
}
