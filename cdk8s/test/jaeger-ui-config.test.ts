import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { jaegerUiConfig, type LogsUi } from '../src/jaeger-ui-config'
import { LOKI_DATASOURCE_UID, kubePrometheusStackValues } from '../src/kube-prometheus-stack-values'
import { REPO_ROOT } from '../src/inputs'
import { readVersions } from '@shopscope/system'

const TRACE = {
  traceID: '4bf92f3577b34da6a3ce929d0e0e4736',
  startTime: 1_765_000_000_000_000,
  endTime: 1_765_000_000_250_000,
}

/**
 * A trace link as Jaeger UI 1.74 makes it (src/model/link-patterns.tsx, utils/link-formatting.tsx):
 * each #{name | formatter args | ...} filled from the trace, URL-encoded.
 */
function traceLink(logs: LogsUi): string {
  const [pattern] = jaegerUiConfig(logs).linkPatterns
  assert.equal(pattern!.type, 'traces')
  return pattern!.url.replace(/#\{([^{}]*)\}/g, (_, expr: string) => {
    const [name, ...formatters] = expr.split('|').map((part) => part.trim())
    let value: string | number = TRACE[name as keyof typeof TRACE]
    assert.notEqual(value, undefined, `a trace has no ${name}`)
    for (const formatter of formatters) {
      const [fn, ...args] = formatter.split(/ +/)
      if (fn === 'add') value = (value as number) + parseInt(args[0]!, 10)
      else if (fn === 'epoch_micros_to_date_iso')
        value = new Date((value as number) / 1000).toISOString()
      else assert.fail(`Jaeger UI has no formatter ${fn}`)
    }
    return encodeURIComponent(value)
  })
}

describe('Jaeger UI config: each trace links to its logs', () => {
  it('on kind: Grafana Explore, Loki datasource, the trace id filter, the trace time +- 5 min', () => {
    const link = new URL(
      traceLink({ kind: 'loki', url: 'http://localhost:3000', datasourceUid: 'loki' }),
    )
    assert.equal(link.origin + link.pathname, 'http://localhost:3000/explore')
    const panes = JSON.parse(link.searchParams.get('panes')!)
    const pane = Object.values(panes)[0] as {
      datasource: string
      queries: { datasource: unknown; expr: string }[]
      range: unknown
    }
    assert.equal(pane.datasource, 'loki')
    assert.deepEqual(pane.queries[0]!.datasource, { type: 'loki', uid: 'loki' })
    assert.equal(pane.queries[0]!.expr, `{service_name=~".+"} | trace_id="${TRACE.traceID}"`)
    assert.deepEqual(pane.range, {
      from: '2025-12-06T05:41:40.000Z',
      to: '2025-12-06T05:51:40.250Z',
    })
  })

  it("names the uid kube-prometheus-stack's values give the Loki datasource", () => {
    const values = kubePrometheusStackValues(
      'unused',
      readVersions(join(REPO_ROOT, 'versions.env')),
    )
    const loki = values.grafana.additionalDataSources.filter((d) => d.type === 'loki')
    assert.deepEqual(
      loki.map((d) => d.uid),
      [LOKI_DATASOURCE_UID],
    )
  })

  it("where VictoriaLogs runs: its web UI's query of the trace id field, ending 5 min after the trace", () => {
    const link = new URL(traceLink({ kind: 'victorialogs', url: 'http://localhost:9428/' }))
    assert.equal(link.origin + link.pathname, 'http://localhost:9428/select/vmui/')
    // vmui's hash router: #/?<params>
    assert.match(link.hash, /^#\/\?/)
    const params = new URLSearchParams(link.hash.slice(3))
    assert.equal(params.get('query'), `trace_id:"${TRACE.traceID}"`)
    assert.equal(params.get('g0.end_input'), '2025-12-06T05:51:40.250Z')
    assert.equal(params.get('g0.range_input'), '15m')
    assert.equal(params.get('g0.relative_time'), 'none')
  })
})
