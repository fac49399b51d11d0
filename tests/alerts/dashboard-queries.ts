// Runs every Prometheus query of the dashboards (dashboards/src) against a real Prometheus and
// reports the empty ones: a panel that shows "No data" after a load run is a bug.
//
//   import { checkDashboardQueries } from '../alerts/dashboard-queries'
//   const results = await checkDashboardQueries('http://127.0.0.1:9090')
//   const bad = results.filter((r) => r.status === 'empty' || r.status === 'error')
//
// CLI: node --import tsx tests/alerts/dashboard-queries.ts http://127.0.0.1:9090  (exit 1 if any)
import { ALL_METRICS } from '@shopscope/dashboards'
import { metricNamesIn } from './metric-names'
import {
  loadDashboards,
  panelQueries,
  variableQuery,
  type Dashboard,
  type DashboardVariable,
} from './sources'

export interface DashboardQueryOptions {
  /** The dashboards to check (default: the repository's, as Grafana gets them). */
  dashboards?: Dashboard[]
  /** What $__rate_interval and $__interval become (default 1m, Grafana's for a 15s scrape). */
  rateInterval?: string
  /** Evaluation time of the instant queries (default: now). */
  time?: Date
  /** Also run queries of cluster-only metrics (kube-state-metrics); default: report them as such. */
  includeClusterOnly?: boolean
}

export interface DashboardQueryResult {
  dashboardUid: string
  panelTitle: string
  refId: string
  /** The query as sent, variables substituted. */
  query: string
  /** ok: at least one series; empty: none; error: Prometheus rejected it. */
  status: 'ok' | 'empty' | 'error' | 'cluster-only'
  detail?: string
}

interface PromResponse {
  status: string
  error?: string
  data?: { result?: unknown[] } | string[]
}

async function promGet(baseUrl: string, path: string, params: Record<string, string>) {
  const url = new URL(path, baseUrl)
  for (const [key, value] of Object.entries(params)) url.searchParams.append(key, value)
  const res = await fetch(url)
  const body = (await res.json()) as PromResponse
  if (body.status !== 'success') throw new Error(body.error ?? `HTTP ${res.status}`)
  return body.data
}

/** The values a template variable can take, from Prometheus for `label_values(...)`. */
async function variableValues(
  prometheusUrl: string,
  variable: DashboardVariable,
): Promise<string[]> {
  const query = variableQuery(variable)
  if (variable.type === 'query') {
    const match = /^label_values\(\s*(?:(.+?)\s*,\s*)?(\w+)\s*\)$/.exec(query.trim())
    if (!match) throw new Error(`variable $${variable.name}: unsupported query ${query}`)
    const [, selector, label] = match
    const params: Record<string, string> = selector ? { 'match[]': selector } : {}
    return (await promGet(prometheusUrl, `/api/v1/label/${label}/values`, params)) as string[]
  }
  if (variable.type === 'custom') return query.split(',').map((value) => value.trim())
  const current = variable.current?.value
  return [Array.isArray(current) ? (current[0] ?? '') : (current ?? query)]
}

function substitute(expr: string, values: Record<string, string>): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? ''
    return values[name] ?? whole
  })
}

/** Every assignment of the variables a query uses (a product, usually of one variable). */
function assignments(expr: string, variables: Map<string, string[]>): Record<string, string>[] {
  let result: Record<string, string>[] = [{}]
  for (const [name, values] of variables) {
    if (!new RegExp(`\\$(\\{${name}[}:]|${name}\\b)`).test(expr)) continue
    result = result.flatMap((partial) => values.map((value) => ({ ...partial, [name]: value })))
  }
  return result
}

export async function checkDashboardQueries(
  prometheusUrl: string,
  options: DashboardQueryOptions = {},
): Promise<DashboardQueryResult[]> {
  const interval = options.rateInterval ?? '1m'
  const time = String((options.time ?? new Date()).getTime() / 1000)
  const builtins = { __rate_interval: interval, __interval: interval, __range: '1h' }
  const clusterOnly = new Set(
    ALL_METRICS.filter((metric) => metric.clusterOnly).map((metric) => metric.name),
  )
  const results: DashboardQueryResult[] = []
  for (const dashboard of options.dashboards ?? loadDashboards()) {
    const variables = new Map<string, string[]>()
    for (const variable of dashboard.templating?.list ?? []) {
      if (variable.datasource?.uid && variable.datasource.uid !== 'prometheus') continue
      variables.set(variable.name, await variableValues(prometheusUrl, variable))
    }
    for (const panel of panelQueries(dashboard).filter((q) => q.datasourceUid === 'prometheus')) {
      const base = { dashboardUid: dashboard.uid, panelTitle: panel.panelTitle, refId: panel.refId }
      const usesClusterOnly = metricNamesIn(panel.expr).some((name) => clusterOnly.has(name))
      if (usesClusterOnly && !options.includeClusterOnly) {
        results.push({ ...base, query: panel.expr, status: 'cluster-only' })
        continue
      }
      const runs = assignments(panel.expr, variables)
      if (runs.length === 0) {
        const detail = 'a variable it uses has no value'
        results.push({ ...base, query: panel.expr, status: 'empty', detail })
      }
      for (const assignment of runs) {
        const query = substitute(panel.expr, { ...builtins, ...assignment })
        try {
          const data = (await promGet(prometheusUrl, '/api/v1/query', { query, time })) as {
            result: unknown[]
          }
          results.push({ ...base, query, status: data.result.length > 0 ? 'ok' : 'empty' })
        } catch (err) {
          results.push({ ...base, query, status: 'error', detail: (err as Error).message })
        }
      }
    }
  }
  return results
}

async function main(prometheusUrl: string | undefined): Promise<void> {
  if (!prometheusUrl) {
    console.error('usage: dashboard-queries.ts <prometheus url> (e.g. http://127.0.0.1:9090)')
    process.exit(2)
  }
  const results = await checkDashboardQueries(prometheusUrl)
  for (const r of results) {
    const detail = r.detail ? ` (${r.detail})` : ''
    console.log(`${r.status.padEnd(12)} ${r.dashboardUid} / ${r.panelTitle} [${r.refId}]${detail}`)
    if (r.status === 'empty' || r.status === 'error') console.log(`             ${r.query}`)
  }
  const bad = results.filter((r) => r.status === 'empty' || r.status === 'error')
  console.log(`${results.length} queries, ${bad.length} empty or failing`)
  if (bad.length > 0) process.exit(1)
}

if (require.main === module) {
  main(process.argv[2]).catch((err: unknown) => {
    console.error(err)
    process.exit(1)
  })
}
