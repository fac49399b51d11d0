/**
 * Several rounds of the same configurations, interleaved: the order each round runs them in, and
 * one result per configuration from its rounds (medians, with min–max where the report shows it).
 */
import type { LoadResult } from './load'
import type { ConfigResult, SpanAccounting } from './report'

/** The median of some numbers (the mean of the middle two for an even count); NaN for none. */
export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2
}

export interface Spread {
  median: number
  min: number
  max: number
}

export function spread(values: number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v))
  return {
    median: median(finite),
    min: finite.length > 0 ? Math.min(...finite) : NaN,
    max: finite.length > 0 ? Math.max(...finite) : NaN,
  }
}

/**
 * The order of round `round` (0-based): the list rotated by round·⌈n/rounds⌉, so that over the
 * rounds each configuration runs early, in the middle and late, and slow drifts of the shared
 * machine (or of the growing database) do not always favour the same ones.
 */
export function roundOrder<T>(list: readonly T[], round: number, rounds: number): T[] {
  if (list.length === 0) return []
  const step = Math.ceil(list.length / Math.max(1, rounds))
  const shift = (round * step) % list.length
  return [...list.slice(shift), ...list.slice(0, shift)]
}

const round2 = (n: number) => Math.round(n * 100) / 100
const round1 = (n: number) => Math.round(n * 10) / 10

/** CPU ms per request of the whole stack, the load generator left out. */
export const stackCpuOfRun = (cpu: Record<string, number> = {}) =>
  Object.entries(cpu)
    .filter(([name]) => name !== 'load generator')
    .reduce((sum, [, ms]) => sum + ms, 0)

/**
 * One scenario over its rounds: req/s, latencies and CPU per request of each process are the
 * rounds' medians; errors and answers are summed (an error in any round shows); `rounds` keeps each
 * round's req/s and stack CPU, in round order, for the spreads and the ablation's paired
 * differences.
 */
function aggregateScenario(runs: LoadResult[]): LoadResult {
  const med = (pick: (r: LoadResult) => number) => median(runs.map(pick))
  const sum = (pick: (r: LoadResult) => number) => runs.reduce((s, r) => s + pick(r), 0)
  const processes = [...new Set(runs.flatMap((r) => Object.keys(r.cpuMsPerRequest)))]
  return {
    requests: sum((r) => r.requests),
    rps: Math.round(med((r) => r.rps)),
    p50: round1(med((r) => r.p50)),
    p95: round1(med((r) => r.p95)),
    p99: round1(med((r) => r.p99)),
    errors: sum((r) => r.errors),
    ok: sum((r) => r.ok),
    warmupOk: sum((r) => r.warmupOk),
    warmupRequests: sum((r) => r.warmupRequests),
    cpuMsPerRequest: Object.fromEntries(
      processes.map((p) => [p, round2(med((r) => r.cpuMsPerRequest[p] ?? NaN))]),
    ),
    rounds: {
      rps: runs.map((r) => r.rps),
      stackCpuMs: runs.map((r) => round2(stackCpuOfRun(r.cpuMsPerRequest))),
    },
  }
}

function sumSpans(runs: SpanAccounting[]): SpanAccounting {
  const total = (pick: (s: SpanAccounting) => number) => runs.reduce((s, r) => s + pick(r), 0)
  return {
    created: runs.some((r) => r.created === null) ? null : total((r) => r.created ?? 0),
    accepted: total((r) => r.accepted),
    refused: total((r) => r.refused),
    exported: total((r) => r.exported),
    exportFailed: total((r) => r.exportFailed),
    lost: total((r) => r.lost),
  }
}

/** One configuration's rounds (in round order) as one result. */
export function aggregateRounds(runs: ConfigResult[]): ConfigResult {
  const [first] = runs
  if (!first) throw new Error('no round to aggregate')
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.scenarios)))]
  const scenarios = Object.fromEntries(
    names.map((n) => [
      n,
      aggregateScenario(runs.map((r) => r.scenarios[n]).filter((r): r is LoadResult => !!r)),
    ]),
  )
  const services = [...new Set(runs.flatMap((r) => Object.keys(r.peakRssMiB)))]
  const spans = runs.map((r) => r.spans).filter((s): s is SpanAccounting => !!s)
  const perRequest = runs.map((r) => r.spansPerRequest).filter((s) => !!s)
  const checkout = (pick: (c: ConfigResult['checkout']) => number) =>
    runs.reduce((s, r) => s + pick(r.checkout), 0)
  return {
    telemetry: first.telemetry,
    rounds: runs.length,
    scenarios,
    peakRssMiB: Object.fromEntries(
      services.map((s) => [s, Math.max(...runs.map((r) => r.peakRssMiB[s] ?? 0))]),
    ),
    ...(spans.length > 0 ? { spans: sumSpans(spans) } : {}),
    ...(perRequest.length > 0
      ? {
          spansPerRequest: Object.fromEntries(
            names.map((n) => [n, round1(median(perRequest.map((p) => p?.[n] ?? NaN)))]),
          ),
        }
      : {}),
    checkout: {
      answered201: checkout((c) => c.answered201),
      ordersInDb: checkout((c) => c.ordersInDb),
      lost: checkout((c) => c.lost),
      doubled: checkout((c) => c.doubled),
      unanswered: checkout((c) => c.unanswered),
      notConfirmed: checkout((c) => c.notConfirmed),
    },
  }
}

/**
 * `a − b` of the stack CPU per request, round by round (both ran in the same round, so the
 * machine's state was alike): their median and min–max. Undefined unless both have every round.
 */
export function pairedDifference(
  a: LoadResult | undefined,
  b: LoadResult | undefined,
): Spread | undefined {
  const x = a?.rounds?.stackCpuMs
  const y = b?.rounds?.stackCpuMs
  if (!x || !y || x.length !== y.length || x.length === 0) return undefined
  return spread(x.map((v, i) => v - (y[i] ?? NaN)))
}
