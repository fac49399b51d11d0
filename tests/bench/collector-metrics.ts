/** The collector's own otelcol_* counters (Prometheus text), summed over their labels. */
export async function collectorCounters(
  url: string,
): Promise<(name: string, match?: RegExp) => number> {
  const text = await (await fetch(url)).text()
  return (name, match) => {
    let sum = 0
    for (const line of text.split('\n')) {
      if (line.startsWith('#')) continue
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)
      if (!m || (m[1] !== name && m[1] !== `${name}_total`)) continue
      if (match && !match.test(m[2] ?? '')) continue
      sum += Number(m[3])
    }
    return sum
  }
}
