/**
 * `make bench` / `make test-bench`: throughput, latency, CPU per request, span accounting,
 * checkout integrity and peak memory of the shop for the telemetry configurations (configs.ts:
 * the standard ones and the ablation's), in one run of interleaved rounds; writes
 * <out>/<date>.json and latest.md (default out: tests/bench/results, whose run also writes its
 * target table into README.md: ./readme-targets).
 *
 *   node --import tsx tests/bench/bench.ts [--short] [--out <dir>] [--configs <list>]
 *     [--rounds <n>] [--scenarios <list>]
 *
 * --profile: every service writes a CPU profile (raw in .run/bench-logs, summaries by
 * profile-summary.ts in <out>/profiles/<round>/<configuration>/<service>.txt). The profiler costs
 * CPU itself: a profiled run explains a measured one, it does not replace it.
 *
 * --configs (or BENCH_CONFIGS): configurations and presets, comma-separated (configs.ts PRESETS:
 * standard, ablation, ablation-full, ablation-detail, all; default standard,ablation, --short: standard and
 * default-bare). --rounds (or BENCH_ROUNDS): how many times each configuration runs, every round
 * in a rotated order (default 3, --short: 1). --scenarios (or BENCH_SCENARIOS, e.g. home,checkout)
 * restricts the scenarios. For profiling, not for results: BENCH_NODE_ARGS are added to the
 * services' node flags and BENCH_SERVICE_ENV (`A=1 B=2`) to their environment (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection } from 'mysql2/promise'
import { join } from 'node:path'
import { SERVICE_NAMES } from '@shopscope/system'
import { startMariaDb } from '@shopscope/tests/harness'
import { collectorBinary } from '../../dev/local/collector'
import { stopProcess } from '../../dev/local/processes'
import { collectorCounters } from './collector-metrics'
import { baseOf, parseConfigs } from './configs'
import { untilBreakersOpen } from './dead-collector'
import { aggregateRounds, roundOrder } from './rounds'
import { targets } from './targets'
import { targetTable, writeTargetTable } from './readme-targets'
import { startDiscardBackend, type DiscardBackend } from './discard-backend'
import { measure, type LoadResult } from './load'
import {
  consoleTable,
  machine,
  markdown,
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
/** The value after a command-line flag, if the flag is there; the last one wins (BENCH_ARGS). */
const flag = (name: string) => {
  const i = process.argv.lastIndexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const COMMITTED_RESULTS = join(__dirname, 'results')
const OUT_DIR = flag('--out') ?? COMMITTED_RESULTS
const TIMING = short ? { warmupSeconds: 1, seconds: 2 } : { warmupSeconds: 3, seconds: 10 }
const CONNECTIONS = 20
const SEED_RATE = 200
const CHECKOUTS_PER_CONFIG = short ? 3_000 : 15_000
const CONFIG_LIST =
  flag('--configs') ??
  process.env.BENCH_CONFIGS ??
  (short ? 'standard,default-bare' : 'standard,ablation')
const CONFIGS = parseConfigs(CONFIG_LIST)
const ROUNDS = Number(flag('--rounds') ?? process.env.BENCH_ROUNDS ?? (short ? 1 : 3))
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds must be ≥ 1, not ${ROUNDS}`)
const ONLY = (flag('--scenarios') ?? process.env.BENCH_SCENARIOS)?.split(',')
const PROFILE = process.argv.includes('--profile')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The trace backend's exporter in cdk8s/collector/config.yaml (its `exporter` label). */
const TRACE_EXPORTER = /exporter="otlp_grpc\/jaeger"/

/** Spans the collector has received so far (0 without a collector). */
async function acceptedSpans(config: RunningConfig): Promise<number> {
  if (!config.collector) return 0
  return (await collectorCounters(config.collector.telemetryUrl))('otelcol_receiver_accepted_spans')
}

/** The collector's count once it stops growing: the SDKs export every 500 ms. */
async function settledAcceptedSpans(config: RunningConfig): Promise<number> {
  let last = await acceptedSpans(config)
  for (let i = 0; i < 20; i++) {
    await sleep(1_000)
    const now = await acceptedSpans(config)
    if (now === last) return now
    last = now
  }
  return last
}

async function spanAccounting(config: RunningConfig) {
  // Only our bootstrap counts the spans it ends; the stock SDK does not.
  const counted = config.services.every((s) => s.spanCountFile)
  const created = counted
    ? config.services.reduce((sum, s) => sum + readSpanCount(s.spanCountFile ?? ''), 0)
    : null
  if (!config.collector) {
    return { created, accepted: 0, refused: 0, exported: 0, exportFailed: 0, lost: created ?? 0 }
  }
  const url = config.collector.telemetryUrl
  // The collector batches for up to 2 s and retries: wait until what it accepted has left.
  let counters = await collectorCounters(url)
  for (let i = 0; i < 60; i++) {
    const accepted = counters('otelcol_receiver_accepted_spans')
    const settled =
      counters('otelcol_exporter_sent_spans', TRACE_EXPORTER) +
      counters('otelcol_exporter_send_failed_spans', TRACE_EXPORTER)
    if (accepted >= (created ?? 0) && settled >= accepted) break
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
    lost: (created ?? accepted) - exported,
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
    /** Where in the run this is, for the console: `round 2 of 3, 5 of 17`. */
    label: string
    /** With --profile: where the summaries of this run's profiles go. */
    profileSummaries?: string
  },
): Promise<ConfigResult> {
  const firstCheckoutUser = 1_000_000 + index * 100_000
  const checkoutTokens = signTokens(firstCheckoutUser, CHECKOUTS_PER_CONFIG)
  const ledger: CheckoutLedger = { answered201: new Set() }
  console.log(`\n== telemetry ${telemetry} (${env.label}): starting the services`)
  const profileDir = env.profileSummaries ? join(env.runDir, telemetry, 'profiles') : undefined
  if (profileDir) mkdirSync(profileDir, { recursive: true })
  const config = await startConfig(telemetry, {
    ...env,
    profileDir,
    nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean),
    extraEnv: Object.fromEntries(
      (process.env.BENCH_SERVICE_ENV ?? '')
        .split(' ')
        .filter((kv) => kv.includes('='))
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ),
  })
  // A short run checks integrity only; that the breakers open is collector-down.test.ts's.
  if (baseOf(telemetry) === 'collector-down' && !short) {
    const ms = await untilBreakersOpen(config.services).catch(async (err: unknown) => {
      await config.stop()
      throw err
    })
    console.log(
      `collector down: no export breaker closed any more after ${(ms / 1000).toFixed(0)} s`,
    )
  }
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
  const spansPerRequest: Record<string, number> = {}
  const pids = {
    ...Object.fromEntries(config.services.map((s) => [s.name, s.pid])),
    ...(config.collector ? { collector: config.collector.process.pid } : {}),
    mariadb: env.mysqlPid,
    'load generator': process.pid,
  }
  let stopped = false
  try {
    for (const s of list.filter((s) => !ONLY || ONLY.includes(s.name))) {
      const spansBefore = config.collector ? await settledAcceptedSpans(config) : 0
      const r = await measure(s.spec, TIMING, pids)
      results[s.name] = r
      if (config.collector) {
        const spans = (await settledAcceptedSpans(config)) - spansBefore
        spansPerRequest[s.name] = Math.round((spans / (r.requests + r.warmupRequests)) * 10) / 10
      }
      const cpu = Object.entries(r.cpuMsPerRequest)
        .map(([n, ms]) => `${n} ${ms}`)
        .join(', ')
      console.log(
        `${s.name.padEnd(12)} ${String(r.rps).padStart(6)} req/s  p50 ${r.p50}  p95 ${r.p95}  p99 ${r.p99} ms  errors ${r.errors}  (CPU ms/request: ${cpu})`,
      )
    }
    const peakRss = Object.fromEntries(config.services.map((s) => [s.name, peakRssMiB(s.pid)]))
    if (config.collector) peakRss.collector = peakRssMiB(config.collector.process.pid)
    // Stopping the services flushes their last spans and writes their span counts (and profiles).
    await Promise.all(config.services.map((s) => stopProcess(s.pid)))
    if (profileDir && env.profileSummaries) {
      const requests = Object.values(results).reduce((n, r) => n + r.requests + r.warmupRequests, 0)
      summarizeProfiles(profileDir, env.profileSummaries, requests, telemetry)
    }
    const spans = telemetry === 'off' ? undefined : await spanAccounting(config)

    await config.stop()
    stopped = true
    return {
      telemetry,
      scenarios: results,
      peakRssMiB: peakRss,
      spans,
      ...(config.collector ? { spansPerRequest } : {}),
      checkout: await auditOrders(env.mysqlUrl, firstCheckoutUser, CHECKOUTS_PER_CONFIG, ledger),
    }
  } finally {
    if (!stopped) await config.stop()
  }
}

/**
 * profile-summary.ts on each service's profile, written next to the results. The µs per request
 * divide by every request of the run's scenarios (warm-up included), whichever service they
 * reached first: comparable between configurations, not a per-hop figure.
 */
function summarizeProfiles(dir: string, out: string, requests: number, telemetry: string) {
  mkdirSync(out, { recursive: true })
  for (const service of SERVICE_NAMES) {
    const file = join(dir, `${service}.cpuprofile`)
    if (!existsSync(file)) {
      console.log(`profile: no ${file}`)
      continue
    }
    const summary = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'profile-summary.ts'), file, '30', String(requests)],
      { maxBuffer: 16 * 1024 * 1024 },
    ).toString()
    writeFileSync(join(out, `${service}.txt`), `# ${telemetry}, ${service}\n\n${summary}`)
  }
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
    // One list per configuration, in round order; every run has its own checkout users (index).
    const runs: ConfigResult[][] = CONFIGS.map(() => [])
    const order: string[][] = []
    const started = Date.now()
    let index = 0
    for (let round = 0; round < ROUNDS; round++) {
      const list = roundOrder(CONFIGS, round, ROUNDS)
      order.push(list)
      console.log(`\n=== round ${round + 1} of ${ROUNDS}: ${list.join(', ')}`)
      for (const [i, telemetry] of list.entries()) {
        const result = await runConfig(telemetry, index++, {
          mysqlUrl: mysql.url,
          mysqlPid,
          runDir: join(runDir, `round-${round + 1}`),
          backend,
          cartTokens,
          label: `round ${round + 1} of ${ROUNDS}, ${i + 1} of ${list.length}, ${Math.round((Date.now() - started) / 60_000)} min so far`,
          ...(PROFILE
            ? { profileSummaries: join(OUT_DIR, 'profiles', `round-${round + 1}`, telemetry) }
            : {}),
        })
        runs[CONFIGS.indexOf(telemetry)]?.push(result)
      }
    }
    const configs = runs.map((r) => aggregateRounds(r))
    const date = new Date().toISOString()
    const results: Results = {
      date,
      command: `make ${short ? 'test-bench' : 'bench'}`,
      setting: `${CONNECTIONS} connections, ${TIMING.warmupSeconds} s warm-up + ${TIMING.seconds} s per scenario; configurations ${CONFIG_LIST}; ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}; ${Math.round((Date.now() - started) / 60_000)} min`,
      machine: machine(),
      versions: versions(collectorBinary()),
      rounds: ROUNDS,
      order,
      ...(PROFILE ? { profiled: true } : {}),
      configs,
      runs,
      targets: targets(configs, { connections: CONNECTIONS, seedRate: SEED_RATE }),
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
    // Only the committed results speak for the README, not a short run or a profiled one.
    if (OUT_DIR === COMMITTED_RESULTS && !short && !PROFILE) {
      writeTargetTable(join(__dirname, '..', '..', 'README.md'), targetTable(results))
    }
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
