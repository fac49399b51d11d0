/** The benchmark's targets (docs/benchmark.md), met or not, from one run's results. */
import { ratio, stackCpuOf, type ConfigResult, type Results } from './report'

/** A target whose configuration or scenario this run left out (BENCH_CONFIGS/BENCH_SCENARIOS). */
const notMeasured = (name: string) => ({ name, value: 'not measured in this run', met: false })

/** The scenarios run as fast as answers come (not the paced seed load). */
const saturating = (c: ConfigResult | undefined) =>
  Object.keys(c?.scenarios ?? {}).filter((n) => n !== 'seed-load')

/** The scenario where a configuration keeps the smallest share of telemetry off's req/s. */
function worstThroughput(off: ConfigResult | undefined, config: ConfigResult | undefined) {
  const shares = saturating(off)
    .filter((n) => config?.scenarios[n])
    .map((n) => ({
      n,
      r: (config?.scenarios[n]?.rps ?? 0) / (off?.scenarios[n]?.rps ?? 1),
      cpu: ratio(stackCpuOf(config?.scenarios[n]), stackCpuOf(off?.scenarios[n])),
    }))
  return shares.reduce<(typeof shares)[number] | undefined>(
    (a, b) => (!a || b.r < a.r ? b : a),
    undefined,
  )
}

/** The row with the largest share (the worst scenario of a ≤ target), if any. */
const largestShare = <T extends { share: number }>(rows: T[]): T | undefined =>
  rows.reduce<T | undefined>((a, b) => (!a || b.share > a.share ? b : a), undefined)

/** Stack CPU per request a configuration adds to telemetry off, in ms. */
const addedCpu = (off: ConfigResult, config: ConfigResult, scenario: string) =>
  stackCpuOf(config.scenarios[scenario]) - stackCpuOf(off.scenarios[scenario])

function costTarget(
  name: string,
  off: ConfigResult | undefined,
  config: ConfigResult | undefined,
  keep: number,
): Results['targets'][number] {
  const worst = worstThroughput(off, config)
  if (!worst) return notMeasured(name)
  return {
    name,
    value: `${worst.n}: ${ratio(worst.r, 1)} of telemetry off req/s; stack CPU per request ${worst.cpu} of telemetry off`,
    met: worst.r >= keep,
  }
}

function stockTarget(
  off: ConfigResult | undefined,
  full: ConfigResult | undefined,
  stock: ConfigResult | undefined,
): Results['targets'][number] {
  const name = "our bootstrap's CPU per request ≤ ½ of stock's (both 100 % sampled, worst scenario)"
  if (!off || !full || !stock) return notMeasured(name)
  const rows = saturating(off)
    .filter((n) => full.scenarios[n] && stock.scenarios[n])
    .map((n) => ({ n, ours: addedCpu(off, full, n), stock: addedCpu(off, stock, n) }))
    .map((row) => ({ ...row, share: row.ours / row.stock }))
  const worst = largestShare(rows)
  if (!worst) return notMeasured(name)
  return {
    name,
    value: `${worst.n}: +${worst.ours.toFixed(2)} ms vs +${worst.stock.toFixed(2)} ms over telemetry off (${ratio(worst.share, 1)})`,
    met: worst.share <= 0.5,
  }
}

/** With the collector down, the services must not spend more per request than with it up. */
function collectorDownTarget(
  full: ConfigResult | undefined,
  down: ConfigResult | undefined,
): Results['targets'][number] {
  const name = "collector down: stack CPU per request ≤ full's (worst scenario)"
  if (!full || !down) return notMeasured(name)
  // The collector's own CPU is left out of both: with it down there is none to count.
  const services = (r: ConfigResult, n: string) => {
    const scenario = r.scenarios[n]
    return scenario ? stackCpuOf(scenario) - (scenario.cpuMsPerRequest.collector ?? 0) : NaN
  }
  const rows = Object.keys(full.scenarios)
    .filter((n) => down.scenarios[n])
    .map((n) => ({ n, share: services(down, n) / services(full, n) }))
  const worst = largestShare(rows)
  if (!worst) return notMeasured(name)
  return {
    name,
    value: `${worst.n}: ${ratio(worst.share, 1)} of full's (services and MariaDB, collector left out)`,
    met: worst.share <= 1,
  }
}

/** Answers, losses and doubles over every configuration; the ones with either by name. */
function orderIntegrity(configs: ConfigResult[]): string {
  const sum = (pick: (c: ConfigResult['checkout']) => number) =>
    configs.reduce((s, c) => s + pick(c.checkout), 0)
  const bad = configs.filter((c) => c.checkout.lost > 0 || c.checkout.doubled > 0)
  return [
    `${sum((c) => c.answered201)} answered, ${sum((c) => c.lost)} lost, ${sum((c) => c.doubled)} doubled in ${configs.length} configurations`,
    ...bad.map((c) => `${c.telemetry}: ${c.checkout.lost} lost, ${c.checkout.doubled} doubled`),
  ].join('; ')
}

export function targets(
  configs: ConfigResult[],
  load: { connections: number; seedRate: number },
): Results['targets'] {
  const find = (t: string) => configs.find((c) => c.telemetry === t)
  const off = find('off')
  const full = find('full')
  const home = full?.scenarios.home
  const checkout = full?.scenarios.checkout
  const seed = full?.scenarios['seed-load']
  const integrity = configs.every(
    (c) =>
      c.checkout.lost === 0 &&
      c.checkout.doubled === 0 &&
      c.checkout.notConfirmed === 0 &&
      // Only answers cut off at the end of the warm-up and of the timed run, in each round.
      c.checkout.unanswered <= 2 * load.connections * (c.rounds ?? 1),
  )
  const HOME = 'home ≥ 1500 req/s, p99 < 50 ms (full telemetry)'
  const CHECKOUT = 'checkout ≥ 300 orders/s (full telemetry)'
  const SEED = `seed load (20 users, ${load.seedRate} req/s) p95 < 15 ms (full telemetry)`
  const SPANS = '0 spans lost (full telemetry)'
  return [
    home
      ? {
          name: HOME,
          value: `${home.rps} req/s, p99 ${home.p99} ms`,
          met: home.rps >= 1500 && home.p99 < 50,
        }
      : notMeasured(HOME),
    checkout
      ? { name: CHECKOUT, value: `${checkout.rps} orders/s`, met: checkout.rps >= 300 }
      : notMeasured(CHECKOUT),
    {
      name: 'no order lost or doubled (every configuration)',
      value: orderIntegrity(configs),
      met: integrity,
    },
    costTarget(
      'production default costs ≤ 15 % throughput (worst scenario)',
      off,
      find('default'),
      0.85,
    ),
    costTarget('full telemetry costs ≤ 35 % throughput (worst scenario)', off, full, 0.65),
    stockTarget(off, full, find('stock')),
    collectorDownTarget(full, find('collector-down')),
    seed ? { name: SEED, value: `p95 ${seed.p95} ms`, met: seed.p95 < 15 } : notMeasured(SEED),
    full?.spans
      ? { name: SPANS, value: `${full.spans.lost} lost`, met: full.spans.lost === 0 }
      : notMeasured(SPANS),
  ]
}
