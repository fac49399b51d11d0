import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './service-process'

export interface MetricRow {
  name: string
  type: string
  labels: string[]
  source: string
}

/** The rows of the one metric table in docs/telemetry.md. */
export function metricTable(): MetricRow[] {
  const doc = readFileSync(join(ROOT, 'docs/telemetry.md'), 'utf8')
  const table = doc.split('<!-- metrics-table:start -->')[1]?.split('<!-- metrics-table:end -->')[0]
  if (!table) throw new Error('docs/telemetry.md has no metrics-table markers')
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [name = '', type = '', labels = '', source = ''] = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim())
      return {
        name: name.replaceAll('`', ''),
        type,
        labels: labels.split(',').map((l) => l.trim().split(' ')[0] ?? ''),
        source,
      }
    })
}

/** prom-client metrics the table promises on `service`'s own /metrics. */
export function promClientNamesFor(service: string, hasDatabase: boolean): string[] {
  return metricTable()
    .filter((row) => row.source.includes('prom-client'))
    .filter(
      (row) =>
        row.source.includes(service) ||
        row.source.includes('default metrics') ||
        row.source.includes('every service (prom-client)') ||
        (hasDatabase && row.source.includes('every service with a database')),
    )
    .map((row) => row.name)
}

/** OpenMetrics names a counter family without `_total`; either spelling counts as exposed. */
export function isExposed(text: string, name: string): boolean {
  const family = name.replace(/_total$/, '')
  return text
    .split('\n')
    .some(
      (l) =>
        l.startsWith(`${name} `) || l.startsWith(`${name}{`) || l.startsWith(`# TYPE ${family} `),
    )
}
