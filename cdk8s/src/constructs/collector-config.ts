import { parse } from 'yaml'

/** The Collector configuration (cdk8s/collector/config.yaml) and what it expects from its pod. */
export interface CollectorConfig {
  /** The parsed configuration, embedded as is in the OpenTelemetryCollector CR. */
  readonly config: Record<string, unknown>
  /** Names of the `${env:NAME}` placeholders without a default: the CR must define them. */
  readonly requiredEnv: readonly string[]
}

const ENV_PLACEHOLDER = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

export function parseCollectorConfig(text: string): CollectorConfig {
  const config: unknown = parse(text)
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new Error('collector config: expected a YAML mapping')
  }
  for (const section of ['receivers', 'exporters', 'service']) {
    if (!(section in config)) throw new Error(`collector config: no "${section}" section`)
  }
  const withoutDefault = [...text.matchAll(ENV_PLACEHOLDER)].filter((m) => m[2] === undefined)
  const requiredEnv = [...new Set(withoutDefault.map((m) => m[1] as string))].sort()
  return { config: config as Record<string, unknown>, requiredEnv }
}

/**
 * The port of the first exporter of type `prometheus` (`prometheus` or `prometheus/<name>`),
 * from its `endpoint` (`host:port`, `${env:…}` resolved with `env` or the placeholder's default).
 */
export function prometheusExporterPort(
  config: Record<string, unknown>,
  env: Record<string, string>,
): number | undefined {
  const exporters = (config.exporters ?? {}) as Record<string, { endpoint?: string } | null>
  const key = Object.keys(exporters).find((name) => name.split('/')[0] === 'prometheus')
  if (key === undefined) return undefined
  const endpoint = (exporters[key]?.endpoint ?? '').replace(
    ENV_PLACEHOLDER,
    (_all, name: string, fallback: string | undefined) => env[name] ?? fallback ?? '',
  )
  const port = Number(endpoint.slice(endpoint.lastIndexOf(':') + 1))
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error(`collector config: exporter ${key} has no usable endpoint "${endpoint}"`)
  }
  return port
}
