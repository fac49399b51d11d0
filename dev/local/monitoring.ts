/** Prometheus and Alertmanager processes of the local stack, on the generated configuration. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { toolPath } from './prometheus-tools'
import {
  alertmanagerConfig,
  prometheusConfig,
  writeRuleFiles,
  type ScrapeTargets,
  type Timings,
} from './monitoring-config'
import type { ProcessSpec } from './processes'

const ROOT = join(__dirname, '..', '..')

/**
 * PROMETHEUS when set, else the v3 `make prometheus` builds, else Debian's 2.x on PATH (the
 * rules and configs work with both).
 */
export function prometheusBinary(): string {
  const v3 = join(ROOT, '.tools', 'bin', 'prometheus3')
  return !process.env.PROMETHEUS && existsSync(v3) ? v3 : toolPath('prometheus')
}

export const alertmanagerBinary = () => toolPath('alertmanager')

type Spec = Omit<ProcessSpec, 'log'>

export function alertmanagerSpec(
  runDir: string,
  binary: string,
  port: number,
  recorderUrl: string,
  timings: Timings,
): Spec {
  const config = join(runDir, 'alertmanager.yml')
  writeFileSync(config, alertmanagerConfig(recorderUrl, timings))
  mkdirSync(join(runDir, 'alertmanager-data'), { recursive: true })
  return {
    command: binary,
    args: [
      `--config.file=${config}`,
      `--storage.path=${join(runDir, 'alertmanager-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // A single instance: no gossip port, no waiting for peers.
      '--cluster.listen-address=',
    ],
    env: {},
    readyUrl: `http://127.0.0.1:${port}/-/ready`,
  }
}

/** `runbookBaseUrl`: where the alerts' runbook_url lead (the alert recorder serves them). */
export function prometheusSpec(
  runDir: string,
  binary: string,
  port: number,
  timings: Timings,
  targets: ScrapeTargets,
  runbookBaseUrl: string,
): Spec {
  const config = join(runDir, 'prometheus.yml')
  const rules = writeRuleFiles(join(runDir, 'rules'), timings, runbookBaseUrl)
  writeFileSync(config, prometheusConfig(rules, targets, timings))
  return {
    command: binary,
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(runDir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Span-metrics exemplars link the latency panels to traces.
      '--enable-feature=exemplar-storage',
      '--web.enable-lifecycle',
    ],
    env: {},
    readyUrl: `http://127.0.0.1:${port}/-/ready`,
  }
}
