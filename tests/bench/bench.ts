/**
 * `make bench` / `make test-bench`: throughput, latency, span accounting, checkout integrity and
 * peak memory of the shop for three telemetry configurations in one run; writes
 * tests/bench/results/<date>.json and latest.md.
 *
 *   node --import tsx tests/bench/bench.ts [--short] [--out <dir>]
 *
 * For profiling, not for results: BENCH_CONFIGS=off,full and BENCH_SCENARIOS=home restrict the
 * run; BENCH_NODE_ARGS are added to the services' node flags and
 * BENCH_SERVICE_ENV (`A=1 B=2`) to their environment (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection } from 'mysql2/promise'
import { join } from 'node:path'
import { startMariaDb } from '@shopscope/tests/harness'
import { collectorBinary } from '../../scripts/local/collector'
import { stopProcess } from '../../scripts/local/processes'
import { collectorCounters } from './collector-metrics'
import { startDiscardBackend, type DiscardBackend } from './discard-backend'
import { measure, type LoadResult } from './load'
import {
  stackCpu,
  consoleTable,
  machine,
  markdown,
  ratio,
  versions,
  type ConfigResult,
  type Results,
} from './report'
import {
  ADD_TO_CART_USER_COUNT,
  auditOrders,
  type CheckoutLedger,
  prepareCheckouts,
  scenarios,
  signTokens,
} from './scenarios'
import { peakRssMiB, readSpanCount, startConfig, type RunningConfig, type Telemetry } from './stack'

const short = process.argv.includes('--short')
const outIndex = process.argv.indexOf('--out')
const OUT_DIR = outIndex > 0 ? (process.argv[outIndex + 1] ?? '') : join(__dirname, 'results')
const TIMING = short ? { warmupSeconds: 1, seconds: 2 } : { warmupSeconds: 3, seconds: 10 }
const CONNECTIONS = 20
const SEED_RATE = 200
const CHECKOUTS_PER_CONFIG = short ? 3_000 : 15_000
const CONFIGS = (process.env.BENCH_CONFIGS ?? 'off,full,collector-down').split(',') as Telemetry[]
const ONLY = process.env.BENCH_SCENARIOS?.split(',')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The trace backend's exporter in cdk8s/collector/config.yaml (its `exporter` label). */
const TRACE_EXPORTER = /exporter="otlp_grpc\/jaeger"/

async function spanAccounting(config: RunningConfig) {
  const created = config.services.reduce(
    (sum, s) => sum + (s.spanCountFile ? readSpanCount(s.spanCountFile) : 0),
    0,
  )
  if (!config.collector)
    return { created, accepted: 0, refused: 0, exported: 0, exportFailed: 0, lost: created }
  const url = config.collector.telemetryUrl
  // The collector batches for up to 2 s and retries: wait until what it accepted has left.
  let counters = await collectorCounters(url)
  for (let i = 0; i < 60; i++) {
    const accepted = counters('otelcol_receiver_accepted_spans')
    const settled =
      counters('otelcol_exporter_sent_spans', TRACE_EXPORTER) +
      counters('otelcol_exporter_send_failed_spans', TRACE_EXPORTER)
    if (accepted >= created && settled >= accepted) break
    await sleep(500)
    counters = await collectorCounters(url)
  }
  const accepted = counters('otelcol_receiver_accepted_spans')
  const exported = counters('otelcol_exporter_sent_spans', TRACE_EXPORTER)
  return {
    created,
    accepted,
    refused: counters('otelcol_receiver_refused_spans'),
    exported,
    exportFailed: counters('otelcol_exporter_send_failed_spans', TRACE_EXPORTER),
    lost: created - exported,
  }
}

async function runConfig(
  telemetry: Telemetry,
  index: number,
  env: {
    mysqlUrl: string
    mysqlPid: number
    runDir: string
    backend: DiscardBackend
    cartTokens: string[]
  },
): Promise<ConfigResult> {
  const firstCheckoutUser = 1_000_000 + index * 100_000
  const checkoutTokens = signTokens(firstCheckoutUser, CHECKOUTS_PER_CONFIG)
  const ledger: CheckoutLedger = { answered201: new Set() }
  console.log(`\n== telemetry ${telemetry}: starting the services`)
  const config = await startConfig(telemetry, {
    ...env,
    nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean),
    extraEnv: Object.fromEntries(
      (process.env.BENCH_SERVICE_ENV ?? '')
        .split(' ')
        .filter((kv) => kv.includes('='))
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ),
  })
  // After the start: the services' migrations create the tables.
  await prepareCheckouts(env.mysqlUrl, firstCheckoutUser, CHECKOUTS_PER_CONFIG)
  const url = (name: string) => config.services.find((s) => s.name === name)?.url ?? ''
  const list = scenarios(
    { frontend: url('frontend'), orderService: url('order-service') },
    {
      connections: CONNECTIONS,
      seedRate: SEED_RATE,
      cartTokens: env.cartTokens,
      checkoutTokens,
      ledger,
    },
  )
  const results: Record<string, LoadResult> = {}
  const pids = {
    ...Object.fromEntries(config.services.map((s) => [s.name, s.process.pid])),
    ...(config.collector ? { collector: config.collector.process.pid } : {}),
    mariadb: env.mysqlPid,
    'load generator': process.pid,
  }
  let stopped = false
  try {
    for (const s of list.filter((s) => !ONLY || ONLY.includes(s.name))) {
      const r = await measure(s.spec, TIMING, pids)
      results[s.name] = r
      const cpu = Object.entries(r.cpuMsPerRequest)
        .map(([n, ms]) => `${n} ${ms}`)
        .join(', ')
      console.log(
        `${s.name.padEnd(12)} ${String(r.rps).padStart(6)} req/s  p50 ${r.p50}  p95 ${r.p95}  p99 ${r.p99} ms  errors ${r.errors}  (CPU ms/request: ${cpu})`,
      )
    }
    const peakRss = Object.fromEntries(
      config.services.map((s) => [s.name, peakRssMiB(s.process.pid)]),
    )
    if (config.collector) peakRss.collector = peakRssMiB(config.collector.process.pid)
    // Stopping the services flushes their last spans and writes their span counts.
    await Promise.all(config.services.map((s) => stopProcess(s.process.pid)))
    const spans = telemetry === 'off' ? undefined : await spanAccounting(config)

    await config.stop()
    stopped = true
    return {
      telemetry,
      scenarios: results,
      peakRssMiB: peakRss,
      spans,
      checkout: await auditOrders(env.mysqlUrl, firstCheckoutUser, CHECKOUTS_PER_CONFIG, ledger),
    }
  } finally {
    if (!stopped) await config.stop()
  }
}

/** A target whose configuration or scenario this run left out (BENCH_CONFIGS/BENCH_SCENARIOS). */
const notMeasured = (name: string) => ({ name, value: 'not measured in this run', met: false })

function targets(configs: ConfigResult[]): Results['targets'] {
  const off = configs.find((c) => c.telemetry === 'off')
  const full = configs.find((c) => c.telemetry === 'full')
  const home = full?.scenarios.home
  const checkout = full?.scenarios.checkout
  const seed = full?.scenarios['seed-load']
  const costs = Object.keys(off?.scenarios ?? {})
    .filter((n) => n !== 'seed-load' && full?.scenarios[n])
    .map((n) => ({ n, r: (full?.scenarios[n]?.rps ?? 0) / (off?.scenarios[n]?.rps ?? 1) }))
  const worst = costs.reduce((a, b) => (b.r < a.r ? b : a), costs[0] ?? { n: '-', r: NaN })
  const integrity = configs.every(
    (c) =>
      c.checkout.lost === 0 &&
      c.checkout.doubled === 0 &&
      c.checkout.notConfirmed === 0 &&
      // Only answers cut off at the end of the warm-up and of the timed run.
      c.checkout.unanswered <= 2 * CONNECTIONS,
  )
  const HOME = 'home ≥ 1500 req/s, p99 < 50 ms (full telemetry)'
  const CHECKOUT = 'checkout ≥ 300 orders/s (full telemetry)'
  const COST = 'telemetry costs ≤ 15% throughput (worst scenario)'
  const SEED = `seed load (20 users, ${SEED_RATE} req/s) p95 < 15 ms (full telemetry)`
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
      value: configs
        .map(
          (c) =>
            `${c.checkout.answered201} answered, ${c.checkout.lost} lost, ${c.checkout.doubled} doubled`,
        )
        .join('; '),
      met: integrity,
    },
    costs.length > 0
      ? {
          name: COST,
          value: `${worst.n}: ${ratio(worst.r, 1)} of telemetry off req/s; stack CPU per request ${ratio(
            stackCpu(full?.scenarios[worst.n]?.cpuMsPerRequest),
            stackCpu(off?.scenarios[worst.n]?.cpuMsPerRequest),
          )} of telemetry off`,
          met: worst.r >= 0.85,
        }
      : notMeasured(COST),
    seed ? { name: SEED, value: `p95 ${seed.p95} ms`, met: seed.p95 < 15 } : notMeasured(SEED),
    full?.spans
      ? { name: SPANS, value: `${full.spans.lost} lost`, met: full.spans.lost === 0 }
      : notMeasured(SPANS),
  ]
}

async function serverPid(mysqlUrl: string): Promise<number> {
  const conn = await createConnection(`${mysqlUrl}/`)
  try {
    const [rows] = await conn.query('SELECT @@pid_file AS pidFile')
    const [row] = rows as { pidFile: string }[]
    return Number(readFileSync(row?.pidFile ?? '', 'utf8').trim())
  } finally {
    await conn.end()
  }
}

async function main() {
  // Logs of the last run (services, collector) for a look after the fact.
  const runDir = join(__dirname, '..', '..', '.run', short ? 'bench-short-logs' : 'bench-logs')
  rmSync(runDir, { recursive: true, force: true })
  mkdirSync(runDir, { recursive: true })
  const mysql = await startMariaDb()
  const backend = await startDiscardBackend()
  try {
    const cartTokens = signTokens(10_000, ADD_TO_CART_USER_COUNT)
    const mysqlPid = await serverPid(mysql.url)
    const configs: ConfigResult[] = []
    for (const [i, telemetry] of CONFIGS.entries()) {
      configs.push(
        await runConfig(telemetry, i, {
          mysqlUrl: mysql.url,
          mysqlPid,
          runDir,
          backend,
          cartTokens,
        }),
      )
    }
    const date = new Date().toISOString()
    const results: Results = {
      date,
      command: `make ${short ? 'test-bench' : 'bench'}`,
      setting: `${CONNECTIONS} connections, ${TIMING.warmupSeconds} s warm-up + ${TIMING.seconds} s per scenario`,
      machine: machine(),
      versions: versions(collectorBinary()),
      configs,
      targets: targets(configs),
    }
    console.log(`\n${consoleTable(results)}\n`)
    const md = markdown(results)
    console.log(md.slice(md.indexOf('## Throughput with telemetry')))
    mkdirSync(OUT_DIR, { recursive: true })
    writeFileSync(
      join(OUT_DIR, `${date.slice(0, 10)}.json`),
      `${JSON.stringify(results, null, 2)}\n`,
    )
    writeFileSync(join(OUT_DIR, 'latest.md'), md)
    console.log(
      `results: ${join(OUT_DIR, `${date.slice(0, 10)}.json`)} and latest.md (logs in ${runDir})`,
    )
  } finally {
    await backend.close()
    await mysql.stop()
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : err)
    process.exit(1)
  },
)
