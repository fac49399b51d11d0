// Telemetry on the cluster of `make cluster-up`, read back from the backends' own APIs:
//   - Jaeger serves its real UI, with the UI config of its ConfigMap (links to the logs UI);
//   - one checkout through the frontend's Service is one trace across the four services in
//     Jaeger, with SQL spans and the operator's k8s resource attributes;
//   - Prometheus, configured by prometheus-operator, scrapes every target of the repo's
//     ServiceMonitors (and every other target) and has loaded the repo's PrometheusRule, whose
//     runbook_url open the runbooks;
//   - the Collector was created by the operator from the repo's OpenTelemetryCollector;
//   - in-box, a request's logs are in VictoriaLogs (Loki's stand-in), found by its trace id.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import {
  JAEGER,
  NAMESPACES,
  NODE_PORTS,
  SERVICES_WITH_DATABASE,
  VICTORIA_LOGS,
} from '@shopscope/system'
import { parse } from 'yaml'
import { JAEGER_UI_CONFIG_FILE } from '../../cdk8s/src/jaeger-ui-config'
import { Browser } from '../../dev/traffic/browser'
import { eventually } from '../local/eventually'
import { ROOT, SERVICES, deployed, kubectlJson, nodeUrl, useCluster } from './kube'

type JaegerSpan = {
  spanID: string
  operationName: string
  references: { refType: string; spanID: string }[]
  tags: { key: string; value: unknown }[]
  processID: string
}
type JaegerTrace = {
  spans: JaegerSpan[]
  processes: Record<string, { serviceName: string; tags: { key: string; value: unknown }[] }>
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) })
  assert.equal(res.status, 200, `GET ${url}: ${res.status}`)
  return (await res.json()) as T
}

describe('telemetry of the whole system', { concurrency: false }, () => {
  before(useCluster)

  it("serves the real Jaeger UI, its traces linking to the logs UI of the cluster's logs store", async () => {
    const jaeger = await nodeUrl(NODE_PORTS.jaeger)
    const index = await (await fetch(`${jaeger}/`, { signal: AbortSignal.timeout(10_000) })).text()
    assert.doesNotMatch(index, /not the Jaeger UI you are looking for/, 'the placeholder page')
    assert.match(index, /<title>Jaeger UI<\/title>/)
    const script = index.match(/<script type="module" crossorigin src="\.\/(static\/[^"]+\.js)"/)
    assert.ok(script, 'index.html references no static script')
    const asset = await fetch(`${jaeger}/${script[1]}`, { signal: AbortSignal.timeout(10_000) })
    assert.equal(asset.status, 200)
    assert.match(asset.headers.get('content-type') ?? '', /javascript/)
    // The UI config of the running ConfigMap, written into the page by jaeger-query.
    const configMap = await kubectlJson<{ data: Record<string, string> }>(
      '-n',
      NAMESPACES.observability,
      'get',
      'configmap',
      JAEGER.name,
    )
    const embedded = index.match(/JAEGER_CONFIG = (\{.*\});/)
    assert.ok(embedded, 'the page carries no UI config')
    assert.deepEqual(JSON.parse(embedded[1]!), JSON.parse(configMap.data[JAEGER_UI_CONFIG_FILE]!))
  })

  it('traces one checkout through the frontend Service across the four services in Jaeger', async () => {
    const shop = await nodeUrl(NODE_PORTS.shop)
    const jaeger = await nodeUrl(NODE_PORTS.jaeger)
    const traceId = randomBytes(16).toString('hex')
    // A sampled traceparent: the user action's span, kept whatever the ratio of new traces.
    const actionSpanId = randomBytes(8).toString('hex')
    const browser = new Browser(shop, `00-${traceId}-${actionSpanId}-01`)
    await browser.signUp('Cluster Trace', `cluster-${traceId.slice(0, 12)}@shopscope.test`)
    const order = await browser.checkOut('1', 1)
    assert.match(order, /^\/orders\/\d+$/)

    const serviceOf = (t: JaegerTrace, s: JaegerSpan) => t.processes[s.processID]!.serviceName
    // The Collector batches, Jaeger indexes: poll until the order-service's checkout span is in.
    const trace = await eventually(
      'the checkout trace in Jaeger',
      async () => {
        const res = await fetch(`${jaeger}/api/traces/${traceId}`)
        if (res.status !== 200) return undefined
        const t = ((await res.json()) as { data: JaegerTrace[] }).data[0]
        const services = new Set(t?.spans.map((s) => serviceOf(t, s)))
        return t &&
          SERVICES.every((s) => services.has(s)) &&
          t.spans.some((s) => s.operationName === 'checkout')
          ? t
          : undefined
      },
      90_000,
    )
    const tag = (tags: { key: string; value: unknown }[], key: string) =>
      tags.find((x) => x.key === key)?.value
    const sqlBy = new Set(
      trace.spans
        .filter((s) =>
          ['mysql', 'mariadb'].includes(
            String(tag(s.tags, 'db.system.name') ?? tag(s.tags, 'db.system')),
          ),
        )
        .map((s) => serviceOf(trace, s)),
    )
    assert.deepEqual([...sqlBy].sort(), SERVICES_WITH_DATABASE.map((s) => s.name).sort())
    // Every process carries the k8s attributes the operator sets from the pod.
    for (const process of Object.values(trace.processes)) {
      for (const key of [
        'k8s.namespace.name',
        'k8s.pod.name',
        'k8s.deployment.name',
        'k8s.node.name',
      ])
        assert.ok(tag(process.tags, key), `${process.serviceName}: resource attribute ${key}`)
      assert.equal(tag(process.tags, 'k8s.namespace.name'), 'shop')
    }
    // One trace: every span's parent is in it, or is the user action (one request each).
    const ids = new Set([actionSpanId, ...trace.spans.map((s) => s.spanID)])
    const orphans = trace.spans.filter((s) => s.references.some((r) => !ids.has(r.spanID)))
    assert.deepEqual(
      orphans.map((s) => `${serviceOf(trace, s)} ${s.operationName}`),
      [],
    )
    const roots = trace.spans.filter((s) => s.references.some((r) => r.spanID === actionSpanId))
    assert.deepEqual(new Set(roots.map((s) => serviceOf(trace, s))), new Set(['frontend']))
    const frontendProcess = Object.values(trace.processes).find(
      (p) => p.serviceName === 'frontend',
    )!
    console.log(
      `# trace ${traceId}: ${trace.spans.length} spans, services ${[...new Set(trace.spans.map((s) => serviceOf(trace, s)))].join(', ')}; SQL spans by ${[...sqlBy].join(', ')}`,
    )
    console.log(
      `# frontend resource: ${['k8s.namespace.name', 'k8s.deployment.name', 'k8s.pod.name', 'k8s.node.name'].map((k) => `${k}=${String(tag(frontendProcess.tags, k))}`).join(' ')}`,
    )
  })

  it("finds a request's logs in VictoriaLogs by its trace id, named by service (in-box)", async (t) => {
    type Named = { apiVersion: string; kind: string; metadata: { name: string } }
    const inBox = deployed<Named>('StatefulSet').some((o) => o.metadata.name === VICTORIA_LOGS.name)
    if (!inBox) {
      // Loki (LOGS_BACKEND=loki, kind on Docker) has no port of this machine: Grafana queries it.
      t.skip('the logs store is Loki: no VictoriaLogs in cdk8s/dist')
      return
    }
    const shop = await nodeUrl(NODE_PORTS.shop)
    const logs = await nodeUrl(NODE_PORTS.victoriaLogs)
    const traceId = randomBytes(16).toString('hex')
    // The catalog: the frontend asks product-service, and both log the request (sampled trace).
    await new Browser(shop, `00-${traceId}-${randomBytes(8).toString('hex')}-01`, 10_000).get('/')
    type Line = { _msg?: string; trace_id?: string; 'service.name'?: string }
    const query = `${logs}/select/logsql/query?query=${encodeURIComponent(`trace_id:"${traceId}"`)}`
    const want = ['frontend', 'product-service']
    const lines = await eventually(
      "the request's logs in VictoriaLogs",
      async () => {
        const res = await fetch(query, { signal: AbortSignal.timeout(10_000) })
        assert.equal(res.status, 200, `GET ${query}: ${res.status} ${await res.clone().text()}`)
        const found = (await res.text())
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as Line)
        const services = new Set(found.map((line) => line['service.name']))
        if (!want.every((s) => services.has(s)))
          throw new Error(`${found.length} lines, services: ${[...services].join(', ')}`)
        return found
      },
      90_000,
      2_000,
    )
    for (const line of lines) assert.equal(line.trace_id, traceId, JSON.stringify(line))
    const services = [...new Set(lines.map((line) => line['service.name']))].sort()
    console.log(
      `# VictoriaLogs: ${lines.length} lines of trace ${traceId}, by ${services.join(', ')}`,
    )
    const { _msg, _time, ...fields } = lines[0]! as Line & Record<string, string>
    const shown = ['service.name', 'k8s.pod.name', 'http_route', 'http_status', 'span_id']
    console.log(`#   e.g. ${_time} ${_msg} ${shown.map((k) => `${k}=${fields[k]}`).join(' ')}`)
  })

  it('has Prometheus scrape every target, those of the repo ServiceMonitors included, up', async () => {
    const prometheus = await nodeUrl(NODE_PORTS.prometheus)
    type Target = { scrapePool: string; health: string; lastError: string; scrapeUrl: string }
    const monitors = deployed<{
      apiVersion: string
      kind: string
      metadata: { name: string; namespace: string }
    }>('ServiceMonitor')
    assert.ok(monitors.length >= SERVICES.length, 'the repo ServiceMonitors in cdk8s/dist')
    // A pool per ServiceMonitor endpoint: serviceMonitor/<namespace>/<name>/<index>.
    const poolOf = (pool: string) => pool.split('/').slice(0, 3).join('/')
    const targets = await eventually(
      'every target up',
      async () => {
        const active = (
          await getJson<{ data: { activeTargets: Target[] } }>(
            `${prometheus}/api/v1/targets?state=active`,
          )
        ).data.activeTargets
        const pools = new Set(active.map((t) => poolOf(t.scrapePool)))
        const missing = monitors.filter(
          (m) => !pools.has(`serviceMonitor/${m.metadata.namespace}/${m.metadata.name}`),
        )
        const down = active.filter((t) => t.health !== 'up')
        if (missing.length > 0)
          throw new Error(`no targets of ${missing.map((m) => m.metadata.name).join(', ')}`)
        if (down.length > 0)
          throw new Error(down.map((t) => `${t.scrapeUrl} ${t.health} ${t.lastError}`).join('; '))
        return active
      },
      180_000,
      5_000,
    )
    const byPool = new Map<string, number>()
    for (const t of targets)
      byPool.set(poolOf(t.scrapePool), (byPool.get(poolOf(t.scrapePool)) ?? 0) + 1)
    console.log(`# Prometheus: ${targets.length} targets, all up:`)
    for (const [pool, n] of [...byPool].sort()) console.log(`#   ${n}  ${pool}`)
  })

  it('has Prometheus evaluate every rule of the repo PrometheusRule', async () => {
    const prometheus = await nodeUrl(NODE_PORTS.prometheus)
    const file = parse(readFileSync(join(ROOT, 'alerts', 'shopscope.rules.yaml'), 'utf8')) as {
      groups: { name: string; rules: { alert?: string; record?: string }[] }[]
    }
    const want = file.groups.flatMap((g) => g.rules.map((r) => `${g.name}/${r.alert ?? r.record}`))
    type Group = { name: string; rules: { name: string; health: string }[] }
    const loaded = await eventually(
      'the PrometheusRule loaded',
      async () => {
        const groups = (await getJson<{ data: { groups: Group[] } }>(`${prometheus}/api/v1/rules`))
          .data.groups
        const have = new Set(groups.flatMap((g) => g.rules.map((r) => `${g.name}/${r.name}`)))
        return want.every((w) => have.has(w)) ? groups : undefined
      },
      120_000,
      5_000,
    )
    const ours = loaded.flatMap((g) => g.rules.map((r) => ({ ...r, id: `${g.name}/${r.name}` })))
    const unhealthy = ours.filter((r) => want.includes(r.id) && r.health === 'err')
    assert.deepEqual(unhealthy, [])
    console.log(`# Prometheus evaluates the ${want.length} rules of alerts/shopscope.rules.yaml`)
  })

  it("opens every alert's runbook at the runbook_url of the applied PrometheusRule", async () => {
    type Rule = { alert?: string; annotations?: { runbook_url?: string } }
    const rules = deployed<{
      apiVersion: string
      kind: string
      metadata: { name: string }
      spec: { groups: { rules: Rule[] }[] }
    }>('PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g) => g.rules))
    const alerts = rules.filter((r) => r.alert)
    assert.ok(alerts.length > 0, 'a PrometheusRule with alerts in cdk8s/dist')
    for (const { alert, annotations } of alerts) {
      const url = annotations?.runbook_url ?? ''
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) })
      assert.equal(res.status, 200, `${alert}: ${url}`)
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/, url)
      const runbook = readFileSync(join(ROOT, 'docs', 'runbooks', `${alert}.md`), 'utf8')
      assert.equal(await res.text(), runbook, url)
    }
    console.log(`# the ${alerts.length} alerts' runbooks answer at their runbook_url`)
  })

  it('runs the Collector the operator created from the repo OpenTelemetryCollector', async () => {
    type Cr = {
      metadata: { name: string; namespace: string; uid?: string }
      spec: { image?: string; mode?: string }
    }
    const [repo] = deployed<Cr & { apiVersion: string; kind: string }>('OpenTelemetryCollector')
    assert.ok(repo, 'an OpenTelemetryCollector in cdk8s/dist')
    const live = await kubectlJson<Cr>(
      '-n',
      repo.metadata.namespace,
      'get',
      'opentelemetrycollector',
      repo.metadata.name,
    )
    assert.equal(live.spec.image, repo.spec.image)
    type Deployment = {
      metadata: {
        ownerReferences?: { kind: string; name: string; uid: string }[]
        labels: Record<string, string>
      }
      status: { readyReplicas?: number }
    }
    const deployment = await kubectlJson<Deployment>(
      '-n',
      repo.metadata.namespace,
      'get',
      'deployment',
      `${repo.metadata.name}-collector`,
    )
    const owner = deployment.metadata.ownerReferences?.find(
      (o) => o.kind === 'OpenTelemetryCollector',
    )
    assert.equal(owner?.uid, live.metadata.uid, 'the Deployment is owned by the CR')
    assert.equal(
      deployment.metadata.labels['app.kubernetes.io/managed-by'],
      'opentelemetry-operator',
    )
    assert.ok((deployment.status.readyReplicas ?? 0) > 0, 'a ready Collector')
    console.log(
      `# ${repo.metadata.namespace}/${repo.metadata.name}-collector: owned by OpenTelemetryCollector ${repo.metadata.name} (${live.spec.mode ?? 'deployment'}), image ${live.spec.image}`,
    )
  })
})
