/**
 * Prometheus and Alertmanager configuration of the local stack, generated from the repo's
 * alerts/ files. Only timings change (for tests) and the receiver base URL is substituted: the
 * rules, routes, receivers and inhibitions are the ones the cluster runs.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'

export const ALERTS_DIR = join(__dirname, '..', '..', 'alerts')
/** The placeholder every webhook URL of alerts/alertmanager.yaml starts with. */
const RECEIVER_PLACEHOLDER = 'http://alert-receiver.invalid:9095'

export interface Timings {
  scrapeInterval: string
  evaluationInterval: string
  /** Replaces the `for` of every alert; unset keeps the repo's values. */
  alertFor?: string
  /** Multiplies every range selector ([5m] → [1m] at 0.2) so windows drain in test time. */
  rangeScale: number
  /** Replace Alertmanager's route timings; unset keeps the repo's values. */
  groupWait?: string
  groupInterval?: string
  repeatInterval?: string
  /** OTEL_METRIC_EXPORT_INTERVAL of the services. */
  metricExportIntervalMs: number
}

/** The real values: what a human gets from `make local-up`. */
export const PRODUCTION_TIMINGS: Timings = {
  scrapeInterval: '15s',
  evaluationInterval: '15s',
  rangeScale: 1,
  metricExportIntervalMs: 15_000,
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

export function scaleRanges(expr: string, scale: number): string {
  if (scale === 1) return expr
  return expr.replace(/\[(\d+)([smhd])\]/g, (_, n: string, unit: string) => {
    const seconds = Math.max(1, Math.round(Number(n) * (UNIT_SECONDS[unit] ?? 1) * scale))
    return `[${seconds}s]`
  })
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; expr: string; for?: string }[] }[]
}

/** Copies of alerts/*.rules.yaml with the test timings; returns their paths. */
export function writeRuleFiles(dir: string, timings: Timings): string[] {
  mkdirSync(dir, { recursive: true })
  const files = readdirSync(ALERTS_DIR).filter((f) => f.endsWith('.rules.yaml'))
  if (files.length === 0) throw new Error(`no *.rules.yaml in ${ALERTS_DIR}`)
  return files.map((file) => {
    const rules = parse(readFileSync(join(ALERTS_DIR, file), 'utf8')) as RuleFile
    for (const group of rules.groups) {
      for (const rule of group.rules) {
        rule.expr = scaleRanges(rule.expr, timings.rangeScale)
        if (rule.alert && timings.alertFor) rule.for = timings.alertFor
      }
    }
    const target = join(dir, file)
    writeFileSync(target, stringify(rules))
    return target
  })
}

export interface ScrapeTargets {
  services: { name: string; port: number }[]
  collectorExporterPort: number
  collectorTelemetryPort: number
  alertmanagerPort: number
}

export function prometheusConfig(ruleFiles: string[], t: ScrapeTargets, timings: Timings) {
  const at = (port: number) => `127.0.0.1:${port}`
  return stringify({
    global: {
      scrape_interval: timings.scrapeInterval,
      evaluation_interval: timings.evaluationInterval,
    },
    rule_files: ruleFiles,
    alerting: { alertmanagers: [{ static_configs: [{ targets: [at(t.alertmanagerPort)] }] }] },
    scrape_configs: [
      {
        // What the cluster's ServiceMonitors do: one target per service, named by service_name.
        job_name: 'shopscope',
        static_configs: t.services.map((s) => ({
          targets: [at(s.port)],
          labels: { service_name: s.name },
        })),
      },
      {
        // service_name, job and instance come from the telemetry's resource, not from the scrape.
        job_name: 'otel-collector',
        honor_labels: true,
        static_configs: [{ targets: [at(t.collectorExporterPort)] }],
      },
      {
        job_name: 'otel-collector-internal',
        static_configs: [{ targets: [at(t.collectorTelemetryPort)] }],
      },
    ],
  })
}

interface Route {
  group_wait?: string
  group_interval?: string
  repeat_interval?: string
  routes?: Route[]
}

function retime(route: Route, timings: Timings) {
  if (timings.groupWait && route.group_wait) route.group_wait = timings.groupWait
  if (timings.groupInterval && route.group_interval) route.group_interval = timings.groupInterval
  if (timings.repeatInterval && route.repeat_interval)
    route.repeat_interval = timings.repeatInterval
  for (const child of route.routes ?? []) retime(child, timings)
}

export function alertmanagerConfig(recorderUrl: string, timings: Timings): string {
  const source = readFileSync(join(ALERTS_DIR, 'alertmanager.yaml'), 'utf8')
  if (!source.includes(RECEIVER_PLACEHOLDER)) {
    throw new Error(`alerts/alertmanager.yaml has no ${RECEIVER_PLACEHOLDER} webhook to substitute`)
  }
  const config = parse(source.replaceAll(RECEIVER_PLACEHOLDER, recorderUrl)) as { route: Route }
  retime(config.route, timings)
  return stringify(config)
}

/** Short timings for the scenario tests: alerts fire and resolve within a minute or two. */
export const FAST_TIMINGS: Timings = {
  scrapeInterval: '2s',
  evaluationInterval: '2s',
  alertFor: '10s',
  rangeScale: 0.2,
  groupWait: '1s',
  groupInterval: '5s',
  repeatInterval: '1h',
  metricExportIntervalMs: 2000,
}
