/**
 * The trace and log backends of the local stack: Jaeger v2 with the cluster's own config
 * (cdk8s/src/constructs/jaeger-config.ts) on 127.0.0.1 with memory storage, and VictoriaLogs
 * (Loki's stand-in where Loki cannot be built: AGPL) with its storage in the run directory.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { jaegerConfig } from '../../cdk8s/src/constructs/jaeger-config'
import { JAEGER_UI_CONFIG_FILE, jaegerUiConfig } from '../../cdk8s/src/jaeger-ui-config'
import type { Ports } from './ports'
import type { ProcessSpec } from './processes'

const ROOT = join(__dirname, '..', '..')
/** As many traces as the cluster's Jaeger keeps (observability-chart.ts). */
const MAX_TRACES = 20_000
/** VictoriaLogs drops older logs: a local stack lives for hours, not weeks. */
const LOGS_RETENTION = '7d'

type Spec = Omit<ProcessSpec, 'log'>

function tool(name: string, target: string, variable: string): string {
  const bin = process.env[variable] ?? join(ROOT, '.tools', 'bin', name)
  if (!existsSync(bin)) throw new Error(`${name} binary ${bin} is missing: run 'make ${target}'`)
  return bin
}

export const jaegerBinary = () => tool('jaeger', 'tool-jaeger', 'JAEGER_BINARY')
export const victoriaLogsBinary = () =>
  tool('victoria-logs', 'tool-victorialogs', 'VICTORIALOGS_BINARY')

/** Jaeger with the cluster's config and UI config: each trace links to its logs in vmui here. */
export function jaegerSpec(runDir: string, binary: string, ports: Ports): Spec {
  const config = join(runDir, 'jaeger.yaml')
  // A directory of its own: Jaeger watches the UI config's directory for changes.
  mkdirSync(join(runDir, 'jaeger-ui'), { recursive: true })
  const uiConfig = join(runDir, 'jaeger-ui', JAEGER_UI_CONFIG_FILE)
  const logsUi = { kind: 'victorialogs', url: `http://127.0.0.1:${ports.logs}` } as const
  writeFileSync(uiConfig, JSON.stringify(jaegerUiConfig(logsUi), null, 2))
  const listen = {
    host: '127.0.0.1',
    otlpGrpc: ports.jaegerOtlpGrpc,
    otlpHttp: ports.jaegerOtlpHttp,
    health: ports.jaegerHealth,
    shared: { query: ports.jaeger, queryGrpc: ports.jaegerQueryGrpc, metrics: ports.jaegerMetrics },
  }
  writeFileSync(config, stringify(jaegerConfig(MAX_TRACES, uiConfig, listen)))
  return {
    command: binary,
    args: [`--config=${config}`],
    env: {},
    readyUrl: `http://127.0.0.1:${ports.jaegerHealth}/status`,
  }
}

export function victoriaLogsSpec(runDir: string, binary: string, ports: Ports): Spec {
  return {
    command: binary,
    args: [
      `-httpListenAddr=127.0.0.1:${ports.logs}`,
      `-storageDataPath=${join(runDir, 'victorialogs-data')}`,
      `-retentionPeriod=${LOGS_RETENTION}`,
    ],
    env: {},
    readyUrl: `http://127.0.0.1:${ports.logs}/health`,
  }
}

/** VictoriaLogs' OTLP/HTTP logs endpoint, the collector's logs exporter target here. */
export const victoriaLogsOtlp = (ports: Ports) =>
  `http://127.0.0.1:${ports.logs}/insert/opentelemetry/v1/logs`
