/**
 * Prometheus and Alertmanager configuration of the local stack, generated from the repo's
 * alerts/ files. Only timings change (for tests) and the receiver and runbook base URLs are
 * substituted: the rules, routes, receivers and inhibitions are the ones the cluster runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { renderAlertmanagerConfig, renderRules } from './alert-config'

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

/**
 * The repo's rule file with the test timings (./alert-config.ts renders `for` and the
 * runbook links; range selectors are scaled here); returns its path.
 */
export function writeRuleFiles(dir: string, timings: Timings, runbookBaseUrl: string): string[] {
  mkdirSync(dir, { recursive: true })
  const target = join(dir, 'shopscope.rules.yaml')
  const rules = renderRules(runbookBaseUrl, timings.alertFor)
  writeFileSync(target, scaleRanges(rules, timings.rangeScale))
  return [target]
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

export function alertmanagerConfig(recorderUrl: string, timings: Timings): string {
  return renderAlertmanagerConfig(recorderUrl, timings)
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
