// Scenarios (a) and (b) on the local stack: normal traffic makes traces, metrics and logs arrive
// and fires nothing; the shop scenario's share of invalid JSON under load answers 400 and still
// fires no HighErrorRate.
// Then every dashboard panel's query must return data from this run.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SERVICE_NAMES } from '@shopscope/system'
import { scenario } from '../../dev/traffic/scenario'
import { checkDashboardQueries } from '../alerts/dashboard-queries'
import { eventually } from './eventually'
import { startLoad, total } from './load'
import {
  deliveries,
  logs,
  prometheusAlerts,
  promExemplars,
  promQuery,
  sleep,
  spans,
  telemetryByService,
  useLocalStack,
  type LocalStack,
} from './local-stack'

describe("local stack: normal traffic, then the scenario's share of invalid JSON", () => {
  let stack: LocalStack
  before(async () => {
    stack = await useLocalStack('normal')
  })
  after(() => stack?.stop())

  it('(a) normal traffic: traces, metrics and logs of every service arrive; no alert', async () => {
    const { state } = stack
    const load = await startLoad(state, { requestsPerSecond: 15 })
    await sleep(30_000)
    await load.stop()
    assert.equal(total(load.counts, / 5\d\d$|network/), 0, JSON.stringify([...load.counts]))

    const stats = await eventually('spans and logs of every service', async () => {
      const s = await telemetryByService(state)
      const all = SERVICE_NAMES.every((n) => s.traces.includes(n) && (s.logs[n] ?? 0) > 0)
      return all ? s : undefined
    })
    // One checkout is one trace: the stock reservation in product-service is part of it.
    const orderSpans = await spans(state, { service: 'order-service', name: 'POST /api/v1/orders' })
    const placed = orderSpans.filter((s) => s.attributes['http.response.status_code'] === 201)
    assert.ok(placed.length > 0, `no successful checkout span among ${orderSpans.length}`)
    // Not the newest: the other services' spans of that trace may still be in their batches.
    const traceId = placed[Math.floor(placed.length / 2)]?.traceId ?? ''
    const services = await eventually('the checkout trace across services', async () => {
      const names = new Set(
        (await spans(state, { traceId })).map((s) => s.resource['service.name']),
      )
      return names.has('product-service') ? names : undefined
    })
    assert.ok(services.has('order-service'))
    assert.ok((await logs(state, traceId)).length > 0, 'no log line carries the trace id')
    console.log(`Jaeger services and log records per service: ${JSON.stringify(stats)}`)

    const byService = async (query: string) =>
      new Set((await promQuery(state, query)).map((s) => s.metric.service_name))
    await eventually('OTLP, span and scraped metrics of every service in Prometheus', async () => {
      const sets = await Promise.all([
        byService('sum by (service_name) (http_server_request_duration_seconds_count)'),
        byService('sum by (service_name) (traces_span_metrics_calls_total)'),
        byService('up == 1'),
        byService('nodejs_eventloop_lag_seconds'),
      ])
      return sets.every((set) => SERVICE_NAMES.every((n) => set.has(n)))
    })
    const orders = await promQuery(state, 'sum(shopscope_orders_created_total)')
    assert.ok(Number(orders[0]?.value[1] ?? 0) > 0, 'no order counted')
    const collector = await promQuery(state, 'sum(otelcol_exporter_sent_spans_total)')
    assert.ok(Number(collector[0]?.value[1] ?? 0) > 0, 'collector internal metrics missing')

    // Metrics → traces: a span-metrics exemplar names a trace the trace backend holds.
    const exemplars = await promExemplars(state, 'traces_span_metrics_duration_seconds_bucket')
    const exemplarTrace = exemplars.find((e) => e.labels.trace_id)?.labels.trace_id ?? ''
    assert.ok(exemplarTrace, 'no exemplar with a trace_id in Prometheus')
    assert.ok((await spans(state, { traceId: exemplarTrace })).length > 0, 'exemplar trace unknown')

    const firing = (await prometheusAlerts(state)).filter((a) => a.state === 'firing')
    assert.deepEqual(firing, [])
    assert.deepEqual(await deliveries(state), [])
  })

  it('(b) invalid JSON under load: 400s, no HighErrorRate', async () => {
    const { state } = stack
    const invalidJsonShare = scenario.invalidJson.share
    const load = await startLoad(state, { requestsPerSecond: 15, invalidJsonShare })
    // Longer than the scaled 5m window (60s) would need to dilute a burst: the ratio is steady.
    await sleep(40_000)
    const alerts = await prometheusAlerts(state)
    await load.stop()
    const badRequests = total(load.counts, / 400$/)
    const all = total(load.counts, /./)
    console.log(`invalid JSON run: ${badRequests} of ${all} answered 400`)
    assert.ok(badRequests / all > invalidJsonShare / 2, JSON.stringify([...load.counts]))
    assert.equal(total(load.counts, / 5\d\d$|network/), 0, JSON.stringify([...load.counts]))

    const seen400 = await promQuery(
      state,
      'sum(http_server_request_duration_seconds_count{http_response_status_code="400"})',
    )
    assert.ok(Number(seen400[0]?.value[1] ?? 0) > 0, 'the 400s are not in Prometheus')
    assert.deepEqual(
      alerts.filter((a) => a.labels.alertname === 'HighErrorRate'),
      [],
      'HighErrorRate pending or firing',
    )
    assert.deepEqual(await deliveries(state), [])
  })

  it('every dashboard panel has data after the load', async () => {
    const results = await checkDashboardQueries(stack.state.urls.prometheus ?? '')
    const bad = results.filter((r) => r.status === 'empty' || r.status === 'error')
    console.log(`dashboards: ${results.length} queries, ${bad.length} empty or failing`)
    assert.ok(results.length > 0, 'no dashboard query found')
    assert.deepEqual(
      bad.map((r) => `${r.dashboardUid} / ${r.panelTitle} [${r.refId}] ${r.status}: ${r.query}`),
      [],
    )
  })
})
