/** The benchmark's results: the machine and versions they were measured on, as JSON and tables. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import type { LoadResult } from './load'
import { describeConfig, isAblation, type Telemetry } from './configs'
import { ablationTables } from './ablation-table'
import { median, stackCpuOfRun } from './rounds'
import { targetTable } from './readme-targets'

const ROOT = join(__dirname, '..', '..')

export interface ConfigResult {
  telemetry: Telemetry
  /** How many rounds this result is the median of (one run: absent). */
  rounds?: number
  scenarios: Record<string, LoadResult>
  peakRssMiB: Record<string, number>
  spans?: SpanAccounting
  /** Spans the collector received per request of each scenario, warm-up included. */
  spansPerRequest?: Record<string, number>
  checkout: {
    answered201: number
    ordersInDb: number
    lost: number
    doubled: number
    /** Orders whose 201 was in flight when a timed run ended. */
    unanswered: number
    notConfirmed: number
  }
}

export interface SpanAccounting {
  /** Ended in the services; null where the SDK does not count them (stock). */
  created: number | null
  /** otelcol_receiver_accepted_spans */
  accepted: number
  refused: number
  /** otelcol_exporter_sent_spans of the trace backend's exporter */
  exported: number
  exportFailed: number
  lost: number
}

export interface Results {
  date: string
  command: string
  setting: string
  machine: { cpu: string; cores: number; memoryGiB: number; kernel: string }
  versions: Record<string, string>
  /** Rounds of every configuration, interleaved; `order`: the configurations of each round, as run. */
  rounds?: number
  /** Run with --profile: every service under the CPU profiler (its figures include its cost). */
  profiled?: boolean
  order?: Telemetry[][]
  /** Each configuration over its rounds (rounds.ts): medians, counts summed. */
  configs: ConfigResult[]
  /** Per configuration (in `configs` order), its own runs in round order, for a look after the fact. */
  runs?: ConfigResult[][]
  targets: { name: string; value: string; met: boolean }[]
}

const pkgVersion = (name: string, root = ROOT) => {
  try {
    const file = join(root, 'node_modules', name, 'package.json')
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
  } catch {
    return 'not installed'
  }
}

/** The stock package the `stock` configuration loads (make stock-autoinstrumentation). */
const stockVersion = () =>
  process.env.STOCK_AUTOINSTRUMENTATION_DIR
    ? pkgVersion(
        '@opentelemetry/auto-instrumentations-node',
        process.env.STOCK_AUTOINSTRUMENTATION_DIR,
      )
    : 'not installed'

export function machine(): Results['machine'] {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: execFileSync('uname', ['-r']).toString().trim(),
  }
}

export function versions(collectorBinary: string): Record<string, string> {
  const mariadb = execFileSync('/usr/sbin/mariadbd', ['--version']).toString().trim()
  const collector = execFileSync(collectorBinary, ['--version']).toString().trim()
  return {
    node: process.version,
    mariadb: mariadb.replace(/^.*Ver\s+/, ''),
    collector,
    ...Object.fromEntries(
      [
        'fastify',
        'knex',
        'mysql2',
        'autocannon',
        '@opentelemetry/sdk-node',
        '@opentelemetry/instrumentation-undici',
      ].map((p) => [p, pkgVersion(p)]),
    ),
    'stock @opentelemetry/auto-instrumentations-node': stockVersion(),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim(),
  }
}

const pad = (s: string, n: number) => s.padEnd(n)
const num = (n: number) => (Number.isFinite(n) ? String(n) : '-')

export function markdown(results: Results): string {
  const lines: string[] = []
  const row = (cells: (string | number)[]) => lines.push(`| ${cells.join(' | ')} |`)
  lines.push(`# Benchmark ${results.date}`, '')
  lines.push(`Command: \`${results.command}\` (${results.setting})`, '')
  if (results.profiled) {
    lines.push(
      '**Profiled run** (`--profile`): every service ran under the CPU profiler, whose cost is in every figure below; the summaries are in `profiles/`. It explains a measured run, it does not replace one.',
      '',
    )
  }
  if (results.rounds && results.rounds > 1) {
    lines.push(
      `${results.rounds} rounds, interleaved: every configuration ran once per round, each round in a rotated order (below); figures are the rounds' medians, ranges their min–max, counts their sums.`,
      '',
    )
    for (const [i, order] of (results.order ?? []).entries())
      lines.push(`- round ${i + 1}: ${order.join(', ')}`)
    lines.push('')
  }
  const m = results.machine
  lines.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}`, '')
  lines.push(
    `Versions: ${Object.entries(results.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
  )
  lines.push('## Configurations', '')
  for (const c of results.configs)
    lines.push(`- **${c.telemetry}**: ${describeConfig(c.telemetry)}`)
  lines.push('', '## Throughput and latency', '')
  row(['scenario', 'telemetry', 'req/s', 'req/s min–max', 'p50 ms', 'p95 ms', 'p99 ms', 'errors'])
  row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:'])
  const names = Object.keys(results.configs[0]?.scenarios ?? {})
  for (const name of names) {
    for (const c of results.configs) {
      const r = c.scenarios[name]
      if (r)
        row([
          name,
          c.telemetry,
          r.rps,
          range(r.rounds?.rps),
          num(r.p50),
          num(r.p95),
          num(r.p99),
          r.errors,
        ])
    }
  }
  lines.push('', '## CPU per request (ms, user + system, timed run)', '')
  const processes = [
    ...new Set(
      results.configs.flatMap((c) =>
        Object.keys(c.scenarios[names[0] ?? '']?.cpuMsPerRequest ?? {}),
      ),
    ),
  ]
  row(['scenario', 'telemetry', ...processes])
  row(['---', '---', ...processes.map(() => '---:')])
  for (const name of names) {
    for (const c of results.configs) {
      const cpu = c.scenarios[name]?.cpuMsPerRequest ?? {}
      row([name, c.telemetry, ...processes.map((p) => cpu[p] ?? '-')])
    }
  }
  // The wide tables compare the standard configurations; the ablation has its own below.
  const standard = results.configs.filter((c) => !isAblation(c.telemetry))
  lines.push('', '## Throughput with telemetry, as a share of telemetry off (req/s)', '')
  row(['scenario', ...standard.slice(1).map((c) => c.telemetry)])
  row(['---', ...standard.slice(1).map(() => '---:')])
  for (const name of names) {
    const base = standard[0]?.scenarios[name]?.rps ?? NaN
    row([name, ...standard.slice(1).map((c) => ratio(c.scenarios[name]?.rps, base))])
  }
  lines.push('', '## Stack CPU per request (ms, every process but the load generator)', '')
  lines.push(
    'Comparable even when the shared machine is busy with something else, where req/s is not:',
    'the cost of telemetry is the growth of this figure. Over several rounds: median (min–max).',
    '',
  )
  row([
    'scenario',
    ...standard.map((c) => c.telemetry),
    ...standard.slice(1).map((c) => `${c.telemetry} ÷ off`),
  ])
  row(['---', ...standard.map(() => '---:'), ...standard.slice(1).map(() => '---:')])
  for (const name of names) {
    const measured = standard.map((c) => c.scenarios[name])
    const totals = measured.map((r) => stackCpuOf(r))
    const base = totals[0] ?? NaN
    row([
      name,
      ...measured.map(
        (r, i) => `${(totals[i] ?? NaN).toFixed(2)}${rangeIn(r?.rounds?.stackCpuMs)}`,
      ),
      ...totals.slice(1).map((t) => ratio(t, base)),
    ])
  }
  lines.push(...addedCpuTable({ ...results, configs: standard }, names))
  lines.push(...ablationTables(results, names))
  lines.push(...spansPerRequestTable(results, names))
  lines.push('', '## Span accounting', '')
  lines.push(
    'Created: spans ended in the services (SHOPSCOPE_SPAN_COUNT_FILE). Accepted, refused: the',
    "collector's otelcol_receiver_*_spans. Exported: otelcol_exporter_sent_spans of the trace",
    'backend exporter. With the collector down every span is dropped by the SDK after its failed',
    'exports, by design: the services keep serving.',
    '',
  )
  row(['telemetry', 'created', 'accepted', 'refused', 'exported', 'export failed', 'lost'])
  row(['---', '---:', '---:', '---:', '---:', '---:', '---:'])
  for (const c of results.configs) {
    const s = c.spans
    if (s)
      row([
        c.telemetry,
        s.created ?? '-',
        s.accepted,
        s.refused,
        s.exported,
        s.exportFailed,
        s.lost,
      ])
  }
  lines.push('', '## Checkout: orders in MySQL vs 201 answers (warm-up included)', '')
  lines.push(
    'Lost: a 201 without a confirmed order. Doubled: a user with two orders. Cut off: a',
    'confirmed order whose 201 was still in flight when a timed run stopped (≤ 1 per connection).',
    '',
  )
  row([
    'telemetry',
    '201 answers',
    'orders in MySQL',
    'lost',
    'doubled',
    'not confirmed',
    'cut off',
  ])
  row(['---', '---:', '---:', '---:', '---:', '---:', '---:'])
  for (const c of results.configs) {
    const o = c.checkout
    row([c.telemetry, o.answered201, o.ordersInDb, o.lost, o.doubled, o.notConfirmed, o.unanswered])
  }
  lines.push('', '## Peak RSS under load (MiB, VmHWM)', '')
  const services = [...new Set(results.configs.flatMap((c) => Object.keys(c.peakRssMiB)))]
  row(['telemetry', ...services])
  row(['---', ...services.map(() => '---:')])
  for (const c of results.configs)
    row([c.telemetry, ...services.map((s) => c.peakRssMiB[s] ?? '-')])
  lines.push('', '## Targets', '')
  lines.push(targetTable(results))
  return `${lines.join('\n')}\n`
}

/** What telemetry adds to the stack's CPU per request, each configuration against off. */
function addedCpuTable(results: Results, names: string[]): string[] {
  const [off, ...others] = results.configs
  if (!off || off.telemetry !== 'off' || others.length === 0) return []
  const lines = [
    '',
    '## CPU per request added by telemetry (ms, stack CPU minus telemetry off)',
    '',
    "Our bootstrap against the operator's stock image, both with every trace sampled: full vs stock.",
    '',
    `| scenario | ${others.map((c) => c.telemetry).join(' | ')} | full ÷ stock |`,
    `| --- | ${others.map(() => '---:').join(' | ')} | ---: |`,
  ]
  const base = (n: string) => stackCpuOf(off.scenarios[n])
  for (const n of names) {
    const added = Object.fromEntries(
      others.map((c) => [c.telemetry, stackCpuOf(c.scenarios[n]) - base(n)]),
    )
    const cells = others.map((c) => (added[c.telemetry] ?? NaN).toFixed(2))
    lines.push(`| ${n} | ${cells.join(' | ')} | ${ratio(added.full, added.stock ?? NaN)} |`)
  }
  return lines
}

function spansPerRequestTable(results: Results, names: string[]): string[] {
  const traced = results.configs.filter((c) => c.spansPerRequest)
  if (traced.length === 0) return []
  // A row per configuration: there may be many (the ablation's).
  return [
    '',
    '## Spans per request (received by the collector, warm-up included)',
    '',
    `| telemetry | ${names.join(' | ')} |`,
    `| --- | ${names.map(() => '---:').join(' | ')} |`,
    ...traced.map(
      (c) =>
        `| ${c.telemetry} | ${names.map((n) => num(c.spansPerRequest?.[n] ?? NaN)).join(' | ')} |`,
    ),
  ]
}

/** CPU ms per request of the whole stack, the load generator left out. */
export const stackCpu = stackCpuOfRun

/**
 * A scenario's stack CPU per request: over several rounds the median of each round's stack
 * total (not the sum of the processes' medians).
 */
export function stackCpuOf(result: LoadResult | undefined): number {
  if (!result) return NaN
  const perRound = result.rounds?.stackCpuMs
  if (perRound && perRound.length > 0) return median(perRound)
  return stackCpuOfRun(result.cpuMsPerRequest)
}

/** `min–max` of several rounds' values; `-` for one round or none. */
export function range(values: number[] | undefined, digits = 0): string {
  if (!values || values.length < 2) return '-'
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`
}

/** ` (min–max)` after a median, over several rounds only. */
const rangeIn = (values: number[] | undefined) =>
  values && values.length > 1 ? ` (${range(values, 2)})` : ''

export const ratio = (value: number | undefined, base: number) =>
  value === undefined || !base ? '-' : `${Math.round((value / base) * 100)}%`

/** The console table: one line per scenario and configuration. */
export function consoleTable(results: Results): string {
  const out = [
    `${pad('scenario', 12)}${pad('telemetry', 16)}${pad('req/s', 8)}${pad('p50', 8)}${pad('p95', 8)}${pad('p99', 8)}errors`,
  ]
  const names = Object.keys(results.configs[0]?.scenarios ?? {})
  for (const name of names) {
    for (const c of results.configs) {
      const r = c.scenarios[name]
      if (!r) continue
      out.push(
        `${pad(name, 12)}${pad(c.telemetry, 16)}${pad(String(r.rps), 8)}${pad(num(r.p50), 8)}${pad(num(r.p95), 8)}${pad(num(r.p99), 8)}${r.errors}`,
      )
    }
  }
  return out.join('\n')
}
