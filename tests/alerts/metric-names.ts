// Which metric names a PromQL expression uses, which ones dashboards/src/metrics.ts allows, and
// the metric table of docs/telemetry.md that describes them.

export interface DocumentedMetric {
  name: string
  type: string
  /** Only exists in a cluster (kube-state-metrics): no local Prometheus can have it. */
  clusterOnly: boolean
}

const TABLE_START = '<!-- metrics-table:start -->'
const TABLE_END = '<!-- metrics-table:end -->'

export function documentedMetrics(markdown: string): DocumentedMetric[] {
  const start = markdown.indexOf(TABLE_START)
  const end = markdown.indexOf(TABLE_END)
  if (start < 0 || end < start) throw new Error('docs/telemetry.md: metrics-table markers missing')
  return markdown
    .slice(start + TABLE_START.length, end)
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter((cells) => /^`[a-z_:][a-z0-9_:]*`$/.test(cells[1] ?? ''))
    .map((cells) => ({
      name: (cells[1] ?? '').replaceAll('`', ''),
      type: cells[2] ?? '',
      clusterOnly: /cluster only/i.test(cells[4] ?? ''),
    }))
}

/** Names a query may use: the metrics', histogram series suffixes, and recorded rule names. */
export function allowedMetricNames(
  metrics: readonly { name: string; type: string }[],
  recorded: string[] = [],
): Set<string> {
  const names = new Set(recorded)
  for (const metric of metrics) {
    names.add(metric.name)
    if (metric.type === 'histogram') {
      for (const suffix of ['_bucket', '_count', '_sum']) names.add(metric.name + suffix)
    }
  }
  return names
}

// Aggregation operators can stand apart from their parentheses: `sum by (job) (...)`.
const KEYWORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
])

/**
 * Metric names in a PromQL expression (or a Grafana query with $variables). Rough on purpose:
 * strings, label matchers, grouping label lists and ranges are removed, then every identifier
 * that is neither a function call nor a keyword is a metric name.
 */
export function metricNamesIn(query: string): string[] {
  const stripped = query
    .replace(/label_values\(\s*([^,()]*(?:\{[^}]*\})?)\s*,\s*\w+\s*\)/g, '$1')
    .replace(/label_values\(\s*\w+\s*\)/g, '')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\$\{[^}]*\}|\$\w+/g, '')
  const names = new Set<string>()
  for (const match of stripped.matchAll(/(?<![\w.$])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, identifier, call] = match
    if (identifier && !call && !KEYWORDS.has(identifier.toLowerCase())) names.add(identifier)
  }
  return [...names]
}

/** `name (in where)` for every metric name not allowed; empty when all are documented. */
export function unknownMetricNames(
  queries: { where: string; query: string }[],
  allowed: Set<string>,
): string[] {
  return queries.flatMap(({ where, query }) =>
    metricNamesIn(query)
      .filter((name) => !allowed.has(name))
      .map((name) => `${name} (in ${where})`),
  )
}
