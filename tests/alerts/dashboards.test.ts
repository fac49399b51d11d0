// Dashboards: unique identity, the provisioned datasources, the required panels, and no empty
// panel on a real Prometheus holding every documented series.
import { datasources } from '@shopscope/dashboards'
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { checkDashboardQueries } from './dashboard-queries'
import type { Daemon } from './daemon'
import { startPrometheusWithData } from './prometheus-fixture'
import { shopSeries } from './shop-series'
import { loadDashboards, panelQueries } from './sources'

const dashboards = loadDashboards()
const byUid = new Map(dashboards.map((d) => [d.uid, d]))
const DATASOURCES = new Set<string>(Object.values(datasources).map((datasource) => datasource.uid))

test('the dashboards have unique uids and titles', () => {
  assert.equal(dashboards.length, 4)
  assert.equal(new Set(dashboards.map((d) => d.title)).size, dashboards.length)
  assert.equal(byUid.size, dashboards.length)
})

test('every query uses a datasource Grafana is provisioned with', () => {
  for (const dashboard of dashboards) {
    for (const query of panelQueries(dashboard)) {
      assert.ok(DATASOURCES.has(query.datasourceUid), `${dashboard.uid} / ${query.panelTitle}`)
    }
  }
})

test('the drill-down has exemplars, a trace panel and logs filtered by trace id', () => {
  const drilldown = byUid.get('shopscope-service-drilldown')
  assert.ok(drilldown)
  const targets = drilldown.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ ...t, panel: p }) as Record<string, unknown>),
  )
  assert.ok(
    targets.some((t) => t.exemplar === true),
    'no exemplar query',
  )
  assert.ok(
    drilldown.panels.some((p) => p.datasource?.uid === 'jaeger'),
    'no Jaeger panel',
  )
  const logs = panelQueries(drilldown).filter((q) => q.datasourceUid === 'loki')
  assert.deepEqual(
    logs.map((q) => q.expr),
    ['{service_name="$service"} | json | trace_id=~"$trace_id"'],
  )
  const names = (drilldown.templating?.list ?? []).map((v) => v.name)
  assert.deepEqual(names, ['service', 'trace_id'])
})

const end = new Date()
let prometheus: Daemon

before(async () => {
  prometheus = await startPrometheusWithData(shopSeries(), end)
})

after(async () => {
  await prometheus?.stop()
})

test('no dashboard query is empty on data holding every documented series', async () => {
  const results = await checkDashboardQueries(prometheus.url, { time: end })
  const bad = results.filter((r) => r.status === 'empty' || r.status === 'error')
  assert.deepEqual(
    bad.map((r) => `${r.status} ${r.dashboardUid} / ${r.panelTitle}: ${r.query} ${r.detail ?? ''}`),
    [],
  )
  // Every drill-down query ran once per service.
  const drilldownLag = results.filter((r) => r.panelTitle === 'Event-loop lag')
  assert.equal(drilldownLag.length, 4)
  const clusterOnly = results.filter((r) => r.status === 'cluster-only').map((r) => r.panelTitle)
  assert.deepEqual(clusterOnly, ['Container restarts (last hour, cluster only)'])
})

test('a panel without data, or with a broken query, is reported', async () => {
  const prom = { type: 'prometheus', uid: 'prometheus' }
  const panel = (title: string, expr: string) => ({
    type: 'timeseries',
    title,
    datasource: prom,
    targets: [{ refId: 'A', expr }],
  })
  const fixture = {
    path: 'fixture.json',
    uid: 'fixture',
    title: 'fixture',
    templating: {
      list: [
        {
          name: 'service',
          type: 'query',
          datasource: prom,
          query: { query: 'label_values(shopscope_db_up, service_name)' },
        },
        {
          name: 'ghost',
          type: 'query',
          datasource: prom,
          query: { query: 'label_values(up{service_name="nope"}, instance)' },
        },
      ],
    },
    panels: [
      panel('present', 'sum(rate(shopscope_orders_created_total[$__rate_interval]))'),
      panel('no such service', 'shopscope_orders_created_total{service_name="nope"}'),
      panel('per service', 'shopscope_orders_created_total{service_name="$service"}'),
      panel('broken', 'sum(rate(shopscope_orders_created_total[$__rate_interval])'),
      panel('ghost', 'up{instance="$ghost"}'),
    ],
  }
  const results = await checkDashboardQueries(prometheus.url, { time: end, dashboards: [fixture] })
  const summary = results.map((r) => `${r.panelTitle}: ${r.status} ${r.query}`)
  assert.deepEqual(summary, [
    'present: ok sum(rate(shopscope_orders_created_total[1m]))',
    'no such service: empty shopscope_orders_created_total{service_name="nope"}',
    'per service: ok shopscope_orders_created_total{service_name="order-service"}',
    'per service: empty shopscope_orders_created_total{service_name="product-service"}',
    'per service: empty shopscope_orders_created_total{service_name="user-service"}',
    'broken: error sum(rate(shopscope_orders_created_total[1m])',
    'ghost: empty up{instance="$ghost"}',
  ])
})
