// A real Prometheus holding synthetic history: series are backfilled with `promtool tsdb
// create-blocks-from openmetrics`, so a test can query 20 minutes of data right away.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startDaemon, type Daemon } from './daemon'
import { runTool } from '../../dev/local/prometheus-tools'

export interface SyntheticSeries {
  name: string
  labels: Record<string, string>
  /** counter: grows by `value` per second; gauge: stays at `value`. */
  kind: 'counter' | 'gauge'
  value: number
}

const STEP_SECONDS = 15
const HISTORY_SECONDS = 20 * 60

/** A histogram as its _bucket/_count/_sum counters; `shares` are cumulative per bucket. */
export function histogram(
  name: string,
  labels: Record<string, string>,
  perSecond: number,
  shares: Record<string, number>,
  averageValue: number,
): SyntheticSeries[] {
  const buckets = Object.entries({ ...shares, '+Inf': 1 }).map(([le, share]) => ({
    name: `${name}_bucket`,
    labels: { ...labels, le },
    kind: 'counter' as const,
    value: perSecond * share,
  }))
  return [
    ...buckets,
    { name: `${name}_count`, labels, kind: 'counter', value: perSecond },
    { name: `${name}_sum`, labels, kind: 'counter', value: perSecond * averageValue },
  ]
}

function openMetrics(series: SyntheticSeries[], end: Date): string {
  const endSeconds = Math.floor(end.getTime() / 1000)
  const lines: string[] = []
  // OpenMetrics wants each family's samples together, each series in time order.
  const sorted = [...series].sort((a, b) => a.name.localeCompare(b.name))
  for (const s of sorted) {
    const labels = Object.entries(s.labels)
      .map(([key, value]) => `${key}="${value.replaceAll('"', '\\"')}"`)
      .join(',')
    for (let t = endSeconds - HISTORY_SECONDS; t <= endSeconds; t += STEP_SECONDS) {
      const elapsed = t - (endSeconds - HISTORY_SECONDS)
      const value = s.kind === 'counter' ? s.value * elapsed : s.value
      lines.push(`${s.name}{${labels}} ${value} ${t}`)
    }
  }
  return `${lines.join('\n')}\n# EOF\n`
}

/** Prometheus (no scraping) whose history ends at `end`; query it at that time. */
export async function startPrometheusWithData(
  series: SyntheticSeries[],
  end: Date,
): Promise<Daemon> {
  return startDaemon('prometheus', (listen, dataDir) => {
    const input = join(dataDir, 'input.om')
    const tsdb = join(dataDir, 'tsdb')
    mkdirSync(tsdb)
    writeFileSync(input, openMetrics(series, end))
    const result = runTool('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, tsdb])
    if (result.status !== 0) throw new Error(`backfill failed: ${result.output}`)
    writeFileSync(join(dataDir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n')
    return [
      `--config.file=${join(dataDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${tsdb}`,
      `--web.listen-address=${listen}`,
    ]
  })
}
