/**
 * The collector of the local stack: the binary `make collector` builds and the cluster's
 * pipeline config, with the local endpoints in the environment variables config.yaml reads.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Ports } from './ports'

const ROOT = join(__dirname, '..', '..')
export const COLLECTOR_CONFIG = join(ROOT, 'cdk8s', 'collector', 'config.yaml')
export const COLLECTOR_BINARY = join(ROOT, '.tools', 'bin', 'otelcol-shopscope')

export function collectorBinary(): string {
  const bin = process.env.OTELCOL_BINARY ?? COLLECTOR_BINARY
  if (!existsSync(bin)) {
    throw new Error(`collector binary ${bin} is missing: run 'make collector' (needs Go)`)
  }
  return bin
}

export interface CollectorPorts {
  otlpGrpc: number
  otlpHttp: number
  prometheusExporter: number
  healthCheck: number
  telemetry: number
}

/** The collector's listeners among the stack's ports (ports.ts). */
export function collectorPorts(ports: Ports): CollectorPorts {
  return {
    otlpGrpc: ports.otlpGrpc,
    otlpHttp: ports.otlpHttp,
    prometheusExporter: ports.collectorMetrics,
    healthCheck: ports.collectorHealth,
    telemetry: ports.collectorTelemetry,
  }
}

export interface CollectorBackends {
  /** host:port of an OTLP gRPC trace receiver (Jaeger in the cluster). */
  jaegerOtlp: string
  /**
   * The full OTLP/HTTP logs URL of the logs backend (Loki's …/otlp/v1/logs in the cluster,
   * VictoriaLogs' …/insert/opentelemetry/v1/logs where Loki cannot run).
   */
  logsOtlp: string
}

/** Every variable of config.yaml, for a collector outside Kubernetes on 127.0.0.1. */
export function localCollectorEnv(ports: CollectorPorts, backends: CollectorBackends) {
  return {
    JAEGER_OTLP_ENDPOINT: backends.jaegerOtlp,
    LOGS_OTLP_ENDPOINT: backends.logsOtlp,
    OTLP_GRPC_ENDPOINT: `127.0.0.1:${ports.otlpGrpc}`,
    OTLP_HTTP_ENDPOINT: `127.0.0.1:${ports.otlpHttp}`,
    PROMETHEUS_EXPORTER_ENDPOINT: `127.0.0.1:${ports.prometheusExporter}`,
    HEALTH_CHECK_ENDPOINT: `127.0.0.1:${ports.healthCheck}`,
    COLLECTOR_TELEMETRY_HOST: '127.0.0.1',
    COLLECTOR_TELEMETRY_PORT: String(ports.telemetry),
    // No API server here: the same k8sattributes processor, without Kubernetes lookups.
    K8SATTRIBUTES_PASSTHROUGH: 'true',
  }
}
