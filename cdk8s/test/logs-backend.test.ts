// The logs store input (PlatformInputs.logsBackend): exactly one store synthesized, the Collector
// exporting to it, and VictoriaLogs (Loki's stand-in in-box) run like the rest of the platform.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { stringify } from 'yaml'
import { parseLogsBackend } from '../src/inputs'
import { NODE_PORTS } from '@shopscope/system'
import { MONITORING_SELECTOR } from '../src/names'
import { type Obj, fixtureInputs, platformObjects } from './fixtures'
import { type Destination, type Source, admits } from './netpol'

const flat = (objects: Record<string, Obj[]>) => Object.values(objects).flat()
const loki = flat(platformObjects())
const inBox = flat(platformObjects(fixtureInputs({ logsBackend: 'victorialogs' })))
const named = (objects: Obj[], name: string) =>
  objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === name)
const find = (objects: Obj[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name)
  assert.ok(found, `${kind} ${name} not synthesized`)
  return found
}
const collectorEnv = (objects: Obj[]) =>
  Object.fromEntries(
    find(objects, 'OpenTelemetryCollector', 'shopscope').spec.env.map(
      (e: { name: string; value: string }) => [e.name, e.value],
    ),
  )
const statefulSet = find(inBox, 'StatefulSet', 'victoria-logs')
const pod = statefulSet.spec.template.spec
const container = pod.containers[0]

describe('the logs store input', () => {
  it('reads LOGS_BACKEND: unset is Loki, an unknown name is refused', () => {
    assert.equal(parseLogsBackend(undefined), 'loki')
    assert.equal(parseLogsBackend(''), 'loki')
    assert.equal(parseLogsBackend('victorialogs'), 'victorialogs')
    assert.throws(() => parseLogsBackend('elasticsearch'), /LOGS_BACKEND must be one of loki, /)
  })

  it('synthesizes exactly one logs store, and the Collector exports to it', () => {
    assert.equal(named(loki, 'victoria-logs').length, 0)
    assert.ok(named(loki, 'loki').length > 0)
    assert.equal(named(inBox, 'loki').length, 0)
    assert.equal(inBox.filter((o) => /loki/.test(o.metadata.name)).length, 0)
    assert.equal(
      collectorEnv(inBox).LOGS_OTLP_ENDPOINT,
      'http://victoria-logs.observability.svc.cluster.local:9428/insert/opentelemetry/v1/logs',
    )
    assert.equal(
      collectorEnv(loki).LOGS_OTLP_ENDPOINT,
      'http://loki.observability.svc.cluster.local:3100/otlp/v1/logs',
    )
  })
})

describe('VictoriaLogs in-box', () => {
  it('runs the pinned image, one replica, on a persistent volume with a retention', () => {
    assert.equal(container.image, 'docker.io/victoriametrics/victoria-logs:v1.52.2')
    assert.equal(statefulSet.spec.replicas, 1)
    const claim = statefulSet.spec.volumeClaimTemplates[0]
    assert.equal(claim.spec.resources.requests.storage, '2Gi')
    const data = container.volumeMounts.find(
      (m: { name: string }) => m.name === claim.metadata.name,
    )
    assert.ok(container.args.includes(`-storageDataPath=${data.mountPath}`), container.args)
    assert.ok(container.args.includes('-retentionPeriod=72h'), container.args)
  })

  it('runs non-root with a read-only root filesystem, limits and /health probes', () => {
    assert.equal(pod.securityContext.runAsNonRoot, true)
    assert.notEqual(pod.securityContext.runAsUser, 0)
    assert.equal(container.securityContext.readOnlyRootFilesystem, true)
    assert.deepEqual(container.securityContext.capabilities, { drop: ['ALL'] })
    assert.ok(container.resources.limits.memory && container.resources.limits.cpu)
    for (const probe of [container.readinessProbe, container.livenessProbe])
      assert.deepEqual(probe.httpGet, { path: '/health', port: 'http' })
    assert.equal(pod.automountServiceAccountToken, false)
  })

  it('leaves a lost node like the Collector and Jaeger', () => {
    const collector = find(inBox, 'OpenTelemetryCollector', 'shopscope')
    assert.ok(pod.tolerations?.length, 'no tolerations')
    assert.deepEqual(pod.tolerations, collector.spec.tolerations)
  })

  it('serves 9428 in the cluster and on the node port kind maps, and is scraped', () => {
    const service = find(inBox, 'Service', 'victoria-logs')
    assert.deepEqual(
      service.spec.ports.map((p: { port: number }) => p.port),
      [9428],
    )
    const ui = find(inBox, 'Service', 'victoria-logs-ui')
    assert.equal(ui.spec.type, 'NodePort')
    assert.equal(ui.spec.ports[0].nodePort, NODE_PORTS.victoriaLogs)
    const monitor = find(inBox, 'PodMonitor', 'victoria-logs')
    assert.deepEqual(monitor.metadata.labels, MONITORING_SELECTOR)
    assert.deepEqual(monitor.spec.selector.matchLabels, statefulSet.spec.selector.matchLabels)
    assert.equal(monitor.spec.podMetricsEndpoints[0].path, '/metrics')
  })

  it('is reached by the Collector, Prometheus and a browser through the node port only', () => {
    const policies = inBox.filter((o) => o.kind === 'NetworkPolicy')
    const dst: Destination = {
      namespace: 'observability',
      labels: statefulSet.spec.template.metadata.labels,
    }
    const inObs = (labels: Record<string, string>, ip: string): Source => ({
      namespace: 'observability',
      labels,
      ip,
    })
    // The labels the operator gives the Collector's pods (tests/platform/isolation.test.ts).
    const collector = inObs(
      {
        'app.kubernetes.io/component': 'opentelemetry-collector',
        'app.kubernetes.io/instance': 'observability.shopscope',
      },
      '10.244.0.2',
    )
    const prometheus = inObs({ 'app.kubernetes.io/name': 'prometheus' }, '10.244.0.3')
    const grafana = inObs({ 'app.kubernetes.io/name': 'grafana' }, '10.244.0.4')
    const shop: Source = { namespace: 'shop', labels: { run: 'probe' }, ip: '10.244.0.5' }
    const browser: Source = { ip: '172.18.0.2' }
    for (const [src, allowed] of [
      [collector, true],
      [prometheus, true],
      [browser, true],
      [grafana, false],
      [shop, false],
    ] as const)
      assert.equal(admits(policies, src, dst, 9428), allowed, JSON.stringify(src))
    assert.equal(admits(policies, collector, dst, 9429), false)
  })

  // The objects the in-box synthesis adds or changes, beside the Loki one's snapshot: a change
  // shows up as a diff to review; accept it with UPDATE_SNAPSHOTS=1.
  it('differs from the Loki synthesis by the reviewed objects only', () => {
    const key = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`
    const before = new Map(loki.map((o) => [key(o), stringify(o)]))
    const after = new Set(inBox.map(key))
    const removed = [...before.keys()].filter((k) => !after.has(k))
    const changed = inBox.filter((o) => before.get(key(o)) !== stringify(o))
    const actual = `# removed: ${removed.join(', ')}\n${changed.map((o) => stringify(o)).join('---\n')}`
    const snapshot = join(__dirname, '__snapshots__', 'in-box-victorialogs.yaml')
    if (process.env.UPDATE_SNAPSHOTS === '1') {
      mkdirSync(join(__dirname, '__snapshots__'), { recursive: true })
      writeFileSync(snapshot, actual)
    }
    assert.ok(existsSync(snapshot), `no snapshot at ${snapshot}: run with UPDATE_SNAPSHOTS=1`)
    assert.equal(actual, readFileSync(snapshot, 'utf8'))
  })
})
