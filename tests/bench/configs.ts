/**
 * The telemetry configurations `make bench` compares, each started the way it runs in production:
 * our bootstrap (the operator injects `--require autoinstrumentation.js`), the operator's stock
 * Node.js auto-instrumentation, or nothing.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

const ROOT = join(__dirname, '..', '..')

export const TELEMETRY = ['off', 'full', 'default', 'stock', 'collector-down'] as const
export type Telemetry = (typeof TELEMETRY)[number]

export const DESCRIPTIONS: Record<Telemetry, string> = {
  off: 'no telemetry bootstrap (prom-client /metrics and the JSON log line stay)',
  full: 'our bootstrap, every trace sampled (parentbased_always_on)',
  default: "our bootstrap with the production default sampler of the repo's Instrumentation",
  stock:
    "the operator's stock image: @opentelemetry/auto-instrumentations-node from its own node_modules, --require …/register, every trace sampled",
  'collector-down': 'our bootstrap, every trace sampled, nothing listening at the OTLP endpoint',
}

export function parseConfigs(list: string): Telemetry[] {
  const names = list.split(',').map((n) => n.trim())
  const unknown = names.filter((n) => !(TELEMETRY as readonly string[]).includes(n))
  if (unknown.length > 0) {
    throw new Error(`unknown BENCH_CONFIGS ${unknown.join(', ')} (known: ${TELEMETRY.join(', ')})`)
  }
  return names as Telemetry[]
}

/** Whether a configuration runs a collector the services export to. */
export const hasCollector = (t: Telemetry) => t !== 'off' && t !== 'collector-down'

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
