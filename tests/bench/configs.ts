/**
 * The telemetry configurations `make bench` compares, each started the way it runs in production:
 * our bootstrap (the operator injects `--require autoinstrumentation.js`), the operator's stock
 * Node.js auto-instrumentation, or nothing.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

const ROOT = join(__dirname, '..', '..')

/** The configurations the bench has always compared (the target table reads them). */
export const BASES = ['off', 'full', 'default', 'stock', 'collector-down'] as const
export type Base = (typeof BASES)[number]

/**
 * A configuration's name: a base, `<full|default>-no-<piece>` (that base without one piece, see
 * PIECES) or `<full|default>-bare` (without every piece the ablation table sums).
 */
export type Telemetry = string

const BASE_DESCRIPTIONS: Record<Base, string> = {
  off: 'no telemetry bootstrap (prom-client /metrics and the JSON log line stay)',
  full: 'our bootstrap, every trace sampled (parentbased_always_on)',
  default: "our bootstrap with the production default sampler of the repo's Instrumentation",
  stock:
    "the operator's stock image: @opentelemetry/auto-instrumentations-node from its own node_modules, --require …/register, every trace sampled",
  'collector-down': 'our bootstrap, every trace sampled, nothing listening at the OTLP endpoint',
}

/**
 * How a piece's cost is read in the ablation table: `summed` pieces partition what our bootstrap
 * adds (their rows, the floor `<base>-bare − off` and the interactions add up to `<base> − off`);
 * `detail` is part of the `partOf` row; `baseline` is also in `off`; `unclean` cannot be removed
 * without changing what the rest does, so its row is an upper bound, not a share.
 */
export type PieceKind = 'summed' | 'detail' | 'baseline' | 'unclean'

export interface Piece {
  /** The table's row: what the piece is. */
  label: string
  /** What the configuration without it runs instead. */
  without: string
  kind: PieceKind
  partOf?: string
  /** Names for OTEL_NODE_DISABLED_INSTRUMENTATIONS (services/telemetry/src/instrumentations.ts). */
  disabled?: string[]
  /** Names for SHOPSCOPE_ABLATE (services/telemetry/src/ablation.ts). */
  ablate?: string[]
  env?: Record<string, string>
}

/** Each piece the ablation removes, and the switch (env variable) that removes it. */
export const PIECES: Record<string, Piece> = {
  db: {
    label: 'database spans (the knex query-event recorder)',
    without:
      'OTEL_NODE_DISABLED_INSTRUMENTATIONS=knex: no SQL span; the kit publishes no knex instance and no query event is listened to',
    kind: 'summed',
    disabled: ['knex'],
  },
  'server-spans': {
    label: "server spans (the bootstrap's Fastify hook)",
    without:
      "SHOPSCOPE_ABLATE=server-spans: no server span; the caller's traceparent is still made the active context and http.server.request.duration still recorded",
    kind: 'summed',
    ablate: ['server-spans'],
  },
  'http-client': {
    label: 'client spans (node:http calls, + undici instrumentation)',
    without:
      'SHOPSCOPE_ABLATE=http-client-spans: no client span, no undici instrumentation; every call still gets traceparent and http.client.request.duration from the diagnostics-channel path',
    kind: 'summed',
    ablate: ['http-client-spans'],
  },
  'otel-metrics': {
    label: 'OTel metrics SDK (RED histograms)',
    without: 'OTEL_METRICS_EXPORTER=none: no MeterProvider, every OTel instrument a no-op',
    kind: 'summed',
    env: { OTEL_METRICS_EXPORTER: 'none' },
  },
  'log-export': {
    label: 'log bridge + OTLP log export',
    without:
      'OTEL_LOGS_EXPORTER=none: no log SDK, no winston OTLP transport; trace ids on the stdout lines stay',
    kind: 'summed',
    env: { OTEL_LOGS_EXPORTER: 'none' },
  },
  'prom-defaults': {
    label: "prom-client's default metrics (also in off)",
    without:
      'SHOPSCOPE_ABLATE=prom-default-metrics: no event-loop, GC or process metrics on /metrics',
    kind: 'baseline',
    ablate: ['prom-default-metrics'],
  },
  context: {
    label: 'context manager (AsyncLocalStorage), upper bound',
    without:
      'SHOPSCOPE_ABLATE=context-manager: the active context is always the root; spans lose their parents and calls their traceparent, so the rest does other work',
    kind: 'unclean',
    ablate: ['context-manager'],
  },
}

/** The pieces `<base>-bare` leaves out: every summed one. */
export const BARE_PIECES = Object.keys(PIECES).filter((p) => PIECES[p]?.kind === 'summed')

export interface ConfigSpec {
  name: Telemetry
  base: Base
  /** The pieces left out (none for a base). */
  without: string[]
}

/** The ablation applies to our bootstrap only, at either sampler. */
const ABLATABLE_BASES: readonly string[] = ['full', 'default']

/** What a configuration name means; throws on a name that is none of the forms. */
export function configSpec(name: Telemetry): ConfigSpec {
  if ((BASES as readonly string[]).includes(name)) return { name, base: name as Base, without: [] }
  const bare = /^(full|default)-bare$/.exec(name)
  if (bare) return { name, base: bare[1] as Base, without: BARE_PIECES }
  const m = /^([a-z-]+?)-no-([a-z-]+)$/.exec(name)
  if (m && ABLATABLE_BASES.includes(m[1] ?? '') && PIECES[m[2] ?? '']) {
    return { name, base: m[1] as Base, without: [m[2] ?? ''] }
  }
  throw new Error(
    `unknown configuration ${name} (known: ${BASES.join(', ')}, <full|default>-no-<${Object.keys(PIECES).join('|')}>, <full|default>-bare, or a preset: ${Object.keys(PRESETS).join(', ')})`,
  )
}

export const baseOf = (name: Telemetry): Base => configSpec(name).base
export const isAblation = (name: Telemetry) => configSpec(name).without.length > 0

export function describeConfig(name: Telemetry): string {
  const spec = configSpec(name)
  if (spec.without.length === 0) return BASE_DESCRIPTIONS[spec.base]
  if (name.endsWith('-bare')) {
    return `${spec.base} without every summed piece (${spec.without.join(', ')}): the SDK, sampler, context manager, propagation, the business spans and the stdout log line stay`
  }
  const piece = PIECES[spec.without[0] ?? '']
  return `${spec.base} without the ${piece?.label ?? ''}: ${piece?.without ?? ''}`
}

/** The services' extra environment that leaves a configuration's pieces out. */
export function ablationEnv(name: Telemetry): Record<string, string> {
  const pieces = configSpec(name).without.map((p) => PIECES[p] as Piece)
  const env: Record<string, string> = Object.assign({}, ...pieces.map((p) => p.env ?? {}))
  const disabled = pieces.flatMap((p) => p.disabled ?? [])
  const ablate = pieces.flatMap((p) => p.ablate ?? [])
  if (disabled.length > 0) env.OTEL_NODE_DISABLED_INSTRUMENTATIONS = disabled.join(',')
  if (ablate.length > 0) env.SHOPSCOPE_ABLATE = ablate.join(',')
  return env
}

const without = (base: string, pieces: string[]) => pieces.map((p) => `${base}-no-${p}`)

/**
 * Named sets for BENCH_CONFIGS / --configs. `ablation` is what the ablation table needs for the
 * production default; `ablation-full` the same at 100 % sampling for the pieces whose cost
 * depends on it; `ablation-detail` repeats the db and metrics rows beside prom-client's.
 * `make bench` runs standard and ablation (~55 min on the 2-core machine); `all` adds full's
 * ablation (~75 min).
 */
export const PRESETS: Record<string, Telemetry[]> = {
  standard: [...BASES],
  ablation: [
    'off',
    'default',
    ...without('default', ['db', 'server-spans', 'http-client', 'otel-metrics', 'log-export']),
    'default-bare',
    ...without('default', ['prom-defaults', 'context']),
  ],
  'ablation-full': [
    'off',
    'full',
    ...without('full', ['db', 'server-spans', 'http-client', 'log-export']),
    'full-bare',
  ],
  'ablation-detail': ['default', ...without('default', ['db', 'otel-metrics', 'prom-defaults'])],
}
PRESETS.all = [
  ...new Set([
    ...(PRESETS.standard ?? []),
    ...(PRESETS.ablation ?? []),
    ...(PRESETS['ablation-full'] ?? []),
  ]),
]

/** A comma-separated list of configurations and presets, in order, each once. */
export function parseConfigs(list: string): Telemetry[] {
  const names = list
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
    .flatMap((n) => PRESETS[n] ?? [n])
  for (const name of names) configSpec(name)
  return [...new Set(names)]
}

/** Whether a configuration runs a collector the services export to. */
export const hasCollector = (t: Telemetry) => {
  const base = baseOf(t)
  return base !== 'off' && base !== 'collector-down'
}

interface InstrumentationSpec {
  spec: { sampler: { type: string; argument: string } }
}

/**
 * OTEL_TRACES_SAMPLER(_ARG) as the operator sets them from operator-config/instrumentation.yaml:
 * the one place the production default is written.
 */
export function productionSampler(): Record<string, string> {
  const file = join(ROOT, 'operator-config', 'instrumentation.yaml')
  const { sampler } = (parse(readFileSync(file, 'utf8')) as InstrumentationSpec).spec
  return { OTEL_TRACES_SAMPLER: sampler.type, OTEL_TRACES_SAMPLER_ARG: sampler.argument }
}

/**
 * The stock package's `register` entry, installed by `make stock-autoinstrumentation` outside the
 * workspace (STOCK_AUTOINSTRUMENTATION_DIR), as the operator's image has its own node_modules.
 */
export function stockRegister(): string {
  const dir = process.env.STOCK_AUTOINSTRUMENTATION_DIR
  if (!dir) {
    throw new Error(
      'STOCK_AUTOINSTRUMENTATION_DIR is not set: run the bench through make (make bench)',
    )
  }
  try {
    return require.resolve('@opentelemetry/auto-instrumentations-node/register', { paths: [dir] })
  } catch {
    throw new Error(`no stock auto-instrumentation in ${dir}: run make stock-autoinstrumentation`)
  }
}
