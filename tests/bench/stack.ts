/**
 * The benchmark's stack, from the local stack's own pieces (dev/local): the four services as
 * `make local-up` starts them, the collector with the cluster's pipeline config, MariaDB. No
 * Prometheus, Alertmanager, Jaeger or VictoriaLogs: the collector exports to the discard backend
 * (discard-backend.ts), and on 2 shared cores they would only steal CPU.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  collectorBinary,
  COLLECTOR_CONFIG,
  collectorPorts,
  localCollectorEnv,
} from '../../dev/local/collector'
import { reservePortBlock, type Ports } from '../../dev/local/ports'
import {
  spawnDetached,
  stopProcess,
  waitUntilReady,
  type RunningProcess,
} from '../../dev/local/processes'
import { startServices } from '../../dev/local/launch'
import { AUTOINSTRUMENTATION, serviceSpecs } from '../../dev/local/services'
import {
  ablationEnv,
  baseOf,
  hasCollector,
  productionSampler,
  stockRegister,
  type Telemetry,
} from './configs'
import type { DiscardBackend } from './discard-backend'

export type { Telemetry } from './configs'

export interface BenchService {
  name: string
  url: string
  pid: number
  /** Where our bootstrap writes its ended-span count at exit (our telemetry on only). */
  spanCountFile?: string
}

export interface RunningConfig {
  services: BenchService[]
  collector?: { process: RunningProcess; telemetryUrl: string }
  stop(): Promise<void>
}

/** Spans leave the services in large, frequent batches: at thousands of spans a second the
 * SDK's default queue (2048) would drop spans between two exports. */
export const BENCH_OTEL_ENV = {
  OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  OTEL_BSP_SCHEDULE_DELAY: '500',
  OTEL_BSP_MAX_QUEUE_SIZE: '16384',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048',
  OTEL_BLRP_MAX_QUEUE_SIZE: '16384',
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '2048',
  OTEL_METRIC_EXPORT_INTERVAL: '10000',
}

async function startCollector(runDir: string, backend: DiscardBackend, block: Ports) {
  const ports = collectorPorts(block)
  const process = spawnDetached({
    command: collectorBinary(),
    args: ['--config', COLLECTOR_CONFIG],
    env: localCollectorEnv(ports, {
      jaegerOtlp: backend.grpcEndpoint,
      logsOtlp: `${backend.httpEndpoint}/otlp/v1/logs`,
    }),
    readyUrl: `http://127.0.0.1:${ports.healthCheck}`,
    log: join(runDir, 'collector.log'),
  })
  await waitUntilReady('collector', process)
  return {
    process,
    telemetryUrl: `http://127.0.0.1:${ports.telemetry}/metrics`,
    otlpHttp: `http://127.0.0.1:${ports.otlpHttp}`,
  }
}

/** The files `node --require` loads before the service's code: the configuration's telemetry. */
function telemetryRequires(telemetry: Telemetry): string[] {
  const base = baseOf(telemetry)
  if (base === 'off') return []
  if (base === 'stock') return [stockRegister()]
  return [AUTOINSTRUMENTATION]
}

/** Starts the collector (when the configuration has one) and the four services. */
export async function startConfig(
  telemetry: Telemetry,
  options: {
    mysqlUrl: string
    runDir: string
    backend: DiscardBackend
    /** Extra node flags of the services, e.g. `--cpu-prof --cpu-prof-dir=<dir>` to profile. */
    nodeArgs?: string[]
    /** Extra environment of the services, for experiments (e.g. OTEL_LOGS_EXPORTER=none). */
    extraEnv?: Record<string, string>
    /** Each service writes a CPU profile there at exit, as `<service>.cpuprofile`. */
    profileDir?: string
  },
): Promise<RunningConfig> {
  const runDir = join(options.runDir, telemetry)
  mkdirSync(runDir, { recursive: true })
  const block = await reservePortBlock()
  const collector = hasCollector(telemetry)
    ? await startCollector(runDir, options.backend, block.ports).catch((err: unknown) => {
        block.release()
        throw err
      })
    : undefined
  // Collector down: the services export to the block's collector port, where nobody listens.
  const endpoint = collector?.otlpHttp ?? `http://127.0.0.1:${block.ports.otlpHttp}`
  const base = baseOf(telemetry)
  const ours = base !== 'off' && base !== 'stock'
  const spanCountFile = (name: string) => (ours ? join(runDir, `${name}.spans.json`) : undefined)
  const specs = serviceSpecs({
    mysqlUrl: options.mysqlUrl,
    otlpHttpEndpoint: endpoint,
    metricExportIntervalMs: 10_000,
    ports: block.ports,
    requires: telemetryRequires(telemetry),
    nodeArgs: (name) => [
      ...(options.nodeArgs ?? []),
      ...(options.profileDir
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${options.profileDir}`,
            `--cpu-prof-name=${name}.cpuprofile`,
          ]
        : []),
    ],
    env: (name) => {
      const spans = spanCountFile(name)
      return {
        ...BENCH_OTEL_ENV,
        ...(base === 'default' ? productionSampler() : {}),
        // An ablation configuration's switches (configs.ts PIECES); none for the bases.
        ...ablationEnv(telemetry),
        // The per-request log line is kept: it is part of what a request costs in production.
        ...(spans ? { SHOPSCOPE_SPAN_COUNT_FILE: spans } : {}),
        ...options.extraEnv,
      }
    },
  })
  const started = await startServices(specs, (name) => ({
    log: join(runDir, `${name}.log`),
  })).catch(async (err: unknown) => {
    if (collector) await stopProcess(collector.process.pid)
    block.release()
    throw err
  })
  const services = started.started.map((s) => ({
    name: s.name,
    url: s.url,
    pid: s.pid,
    spanCountFile: spanCountFile(s.name),
  }))
  const stop = async () => {
    await started.stop()
    if (collector) await stopProcess(collector.process.pid)
    block.release()
  }
  return { services, collector, stop }
}

/** Peak resident memory of a running process (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN)
  return Math.round((kib / 1024) * 10) / 10
}

export function readSpanCount(file: string): number {
  return (JSON.parse(readFileSync(file, 'utf8')) as { ended: number }).ended
}
