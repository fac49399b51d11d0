/** The value of one series in a Prometheus/OpenMetrics text, or 0 when it is absent. */
export function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line ? Number(line.slice(series.length + 1).split(' ')[0]) : 0
}
