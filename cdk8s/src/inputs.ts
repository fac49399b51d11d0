import { dashboardFiles } from '@shopscope/dashboards'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { readVersions } from '@shopscope/system'
import { parse } from 'yaml'
import { kindRunbookBaseUrl, parseRunbookBaseUrl } from './runbooks'

/**
 * Where the Collector sends logs, and the one logs store the synthesized output holds: Loki where
 * the real images run (kind on Docker, with Grafana), VictoriaLogs where Loki cannot (AGPL, never
 * built here: the in-box cluster), which ingests the same OTLP logs and has its own web UI.
 */
export const LOGS_BACKENDS = ['loki', 'victorialogs'] as const
export type LogsBackend = (typeof LOGS_BACKENDS)[number]

/** LOGS_BACKEND of the environment at synth: unset or empty is Loki; anything else unknown fails. */
export function parseLogsBackend(value: string | undefined): LogsBackend {
  if (value === undefined || value === '') return 'loki'
  const known = LOGS_BACKENDS.find((backend) => backend === value)
  if (known === undefined) {
    throw new Error(`LOGS_BACKEND must be one of ${LOGS_BACKENDS.join(', ')}, got '${value}'`)
  }
  return known
}

/** Everything the platform is built from that lives outside cdk8s/src. */
export interface PlatformInputs {
  /** versions.env, parsed. */
  readonly versions: Record<string, string>
  /** cdk8s/collector/config.yaml (the collector engineer's pipeline). */
  readonly collectorConfig: string
  /** The Grafana dashboards (dashboards/src): file name → JSON text. */
  readonly dashboards: Record<string, string>
  /** alerts/*.rules.yaml: file name → text. */
  readonly ruleFiles: Record<string, string>
  /** alerts/alertmanager.yaml. */
  readonly alertmanagerFile: string
  /** docs/runbooks/*.md: file name → text, served beside the alert receiver. */
  readonly runbooks: Record<string, string>
  /**
   * Where the rules' runbook_url lead (src/runbooks.ts): RUNBOOK_BASE_URL at synth, else the
   * kind cluster's own runbooks server. Any other cluster sets it (its docs host, or its ingress to
   * the `runbooks` Service).
   */
  readonly runbookBaseUrl: string
  /**
   * The Locust scenario, file name → text: dev/traffic/locustfile.py and the scenario.json it
   * reads beside it; without them there is no load-test chart.
   */
  readonly loadTestFiles?: Record<string, string>
  /**
   * charts/shopscope/values.yaml's `nodeFailureTolerationSeconds`: how long a pod stays on a
   * not-ready or unreachable node. The shop's pods get it from the chart; the Collector and Jaeger
   * get it from here, so that a lost node costs traces no longer than it costs the shop's pods.
   */
  readonly nodeFailureTolerationSeconds: number
  /** The logs store (LOGS_BACKEND; dev/cluster/kind.ts sets victorialogs in-box). */
  readonly logsBackend: LogsBackend
}

export const REPO_ROOT = join(__dirname, '..', '..')

function filesIn(dir: string, suffix: RegExp): Record<string, string> {
  if (!existsSync(dir)) return {}
  const files: Record<string, string> = {}
  for (const name of readdirSync(dir)
    .filter((file) => suffix.test(file))
    .sort()) {
    files[name] = readFileSync(join(dir, name), 'utf8')
  }
  return files
}

function required(path: string): string {
  if (!existsSync(path)) throw new Error(`platform input missing: ${path}`)
  return readFileSync(path, 'utf8')
}

/**
 * The top-level `nodeFailureTolerationSeconds` of the app chart's values.yaml (an integer >= 0, as
 * its values.schema.json requires).
 */
export function parseNodeFailureTolerationSeconds(valuesYaml: string): number {
  const values = parse(valuesYaml) as Record<string, unknown> | null
  const seconds = values?.nodeFailureTolerationSeconds
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
    throw new Error(
      `charts/shopscope/values.yaml: nodeFailureTolerationSeconds must be an integer >= 0, got ${String(seconds)}`,
    )
  }
  return seconds
}

export function readInputs(
  root = REPO_ROOT,
  env: Readonly<Record<string, string | undefined>> = process.env,
): PlatformInputs {
  return {
    versions: readVersions(join(root, 'versions.env')),
    collectorConfig: required(join(root, 'cdk8s', 'collector', 'config.yaml')),
    dashboards: dashboardFiles(),
    ruleFiles: filesIn(join(root, 'alerts'), /\.rules\.ya?ml$/),
    alertmanagerFile: required(join(root, 'alerts', 'alertmanager.yaml')),
    runbooks: filesIn(join(root, 'docs', 'runbooks'), /\.md$/),
    runbookBaseUrl: env.RUNBOOK_BASE_URL
      ? parseRunbookBaseUrl(env.RUNBOOK_BASE_URL)
      : kindRunbookBaseUrl(required(join(root, 'kind-config.yaml'))),
    loadTestFiles: Object.fromEntries(
      ['locustfile.py', 'scenario.json'].map((name) => [
        name,
        required(join(root, 'dev', 'traffic', name)),
      ]),
    ),
    nodeFailureTolerationSeconds: parseNodeFailureTolerationSeconds(
      required(join(root, 'charts', 'shopscope', 'values.yaml')),
    ),
    logsBackend: parseLogsBackend(env.LOGS_BACKEND),
  }
}
