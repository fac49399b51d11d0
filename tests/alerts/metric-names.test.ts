// Alerts and dashboards only use metric names of dashboards/src/metrics.ts, which the table in
// docs/telemetry.md describes.
import { ALL_METRICS, alerts } from '@shopscope/dashboards'
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  allowedMetricNames,
  documentedMetrics,
  metricNamesIn,
  unknownMetricNames,
} from './metric-names'
import {
  TELEMETRY_DOC,
  loadDashboards,
  loadRuleFiles,
  panelQueries,
  readText,
  ruleTestSeries,
  variableQuery,
} from './sources'

const documented = documentedMetrics(readText(TELEMETRY_DOC))
const ruleFiles = loadRuleFiles()
const recorded = ruleFiles.flatMap((file) => file.rules.flatMap((rule) => rule.record ?? []))
const allowed = allowedMetricNames(ALL_METRICS, recorded)

test('the metric table of docs/telemetry.md describes exactly the metrics of metrics.ts', () => {
  assert.ok(documented.length >= 25, `only ${documented.length} metrics read`)
  const describe = (m: { name: string; type: string; clusterOnly: boolean }) =>
    `${m.name} ${m.type}${m.clusterOnly ? ' (cluster only)' : ''}`
  assert.deepEqual(documented.map(describe).sort(), ALL_METRICS.map(describe).sort())
})

test('the allowed names have histogram suffixes, and cluster-only metrics are marked', () => {
  assert.ok(allowed.has('http_server_request_duration_seconds_bucket'))
  assert.ok(allowed.has('shopscope_orders_failed_total'))
  assert.ok(!allowed.has('shopscope_orders_failed_total_bucket'))
  const clusterOnly = ALL_METRICS.filter((m) => m.clusterOnly).map((m) => m.name)
  assert.deepEqual(clusterOnly, [
    'kube_pod_container_status_restarts_total',
    'kube_node_status_condition',
  ])
})

test('metricNamesIn finds names, not functions, labels, strings, keywords or variables', () => {
  const query =
    'histogram_quantile(0.95, sum by (service_name, le) (rate(http_server_request_duration_seconds_bucket{service_name="$service", http_route=~"/a|b"}[$__rate_interval]))) > 0.5 ' +
    'and on (service_name) label_replace(up offset 5m, "x", "$1", "job", "(.*)") or absent(shopscope_db_up) * 1e3'
  assert.deepEqual(metricNamesIn(query).sort(), [
    'http_server_request_duration_seconds_bucket',
    'shopscope_db_up',
    'up',
  ])
  assert.deepEqual(metricNamesIn('label_values(process_cpu_seconds_total, service_name)'), [
    'process_cpu_seconds_total',
  ])
  assert.deepEqual(metricNamesIn('sum(rate(slo:checkout_error_ratio:rate5m[1m])) by (job)'), [
    'slo:checkout_error_ratio:rate5m',
  ])
})

test('an unknown name in a fixture is reported (the check can fail)', () => {
  const unknown = unknownMetricNames(
    [
      { where: 'fixture', query: 'sum(rate(shopscope_orders_cancelled_total{reason="x"}[5m]))' },
      { where: 'fixture', query: 'rate(http_server_requests_total[5m]) / on (job) up' },
      // A node alert on a name kube-state-metrics does not export (it has kube_node_status_condition).
      { where: 'fixture', query: 'kube_node_status_ready{condition="true"} == 0' },
    ],
    allowed,
  )
  assert.deepEqual(unknown, [
    'shopscope_orders_cancelled_total (in fixture)',
    'http_server_requests_total (in fixture)',
    'kube_node_status_ready (in fixture)',
  ])
})

test('every rule expression uses names of metrics.ts only', () => {
  const queries = ruleFiles.flatMap((file) =>
    file.rules.map((rule) => ({ where: `${rule.alert ?? rule.record}`, query: rule.expr })),
  )
  assert.ok(queries.length > 0)
  assert.deepEqual(unknownMetricNames(queries, allowed), [])
})

test('every promtool test series uses names of metrics.ts only', () => {
  const queries = ruleTestSeries().map((series) => ({ where: 'alerts/tests', query: series }))
  assert.ok(queries.length > 0)
  assert.deepEqual(unknownMetricNames(queries, allowed), [])
})

test('every alert a dashboard names is an alert of the rules', () => {
  const defined = new Set(
    ruleFiles.flatMap((file) => file.rules.flatMap((rule) => rule.alert ?? [])),
  )
  assert.deepEqual(
    Object.values(alerts).filter((name) => !defined.has(name)),
    [],
  )
})

test('every Prometheus query of every dashboard uses names of metrics.ts only', () => {
  const dashboards = loadDashboards()
  const queries = dashboards.flatMap((dashboard) => [
    ...panelQueries(dashboard)
      .filter((q) => q.datasourceUid === 'prometheus')
      .map((q) => ({ where: `${dashboard.uid} / ${q.panelTitle}`, query: q.expr })),
    ...(dashboard.templating?.list ?? [])
      .filter((v) => v.type === 'query' && v.datasource?.uid === 'prometheus')
      .map((v) => ({ where: `${dashboard.uid} / $${v.name}`, query: variableQuery(v) })),
  ])
  assert.ok(queries.length >= 40, `only ${queries.length} dashboard queries found`)
  // Dashboards must not depend on recording rules: they also run where the rules are not loaded.
  assert.deepEqual(unknownMetricNames(queries, allowedMetricNames(ALL_METRICS)), [])
})
