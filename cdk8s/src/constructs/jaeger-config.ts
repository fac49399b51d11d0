/**
 * Jaeger v2's configuration: memory storage of maxTraces, OTLP in, the query API and UI (its
 * config file at uiConfigFile, jaeger-ui-config.ts, read on start: a missing or malformed file
 * stops Jaeger). One function for the cluster's ConfigMap and the local stack
 * (dev/local/backends.ts), so both run the same pipeline; only the listen addresses differ.
 * Kept free of cdk8s imports for that second user.
 */

/** Jaeger's ports in the cluster (its own pod: Jaeger's defaults). */
export const JAEGER_PORTS = { otlpGrpc: 4317, otlpHttp: 4318, query: 16686, health: 13133 } as const

export interface JaegerListen {
  host: string
  otlpGrpc: number
  otlpHttp: number
  health: number
  /**
   * Set where Jaeger shares a host with other processes (the local stack): the UI and query
   * API, its gRPC query API and its own metrics otherwise take Jaeger's defaults (16686, 16685,
   * 8888 — the collector's metrics port).
   */
  shared?: { query: number; queryGrpc: number; metrics: number }
}

const CLUSTER: JaegerListen = { host: '0.0.0.0', ...JAEGER_PORTS }

export function jaegerConfig(
  maxTraces: number,
  uiConfigFile: string,
  listen: JaegerListen = CLUSTER,
) {
  const at = (port: number) => `${listen.host}:${port}`
  const shared = listen.shared
  return {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: {
        traces: {
          receivers: ['otlp'],
          processors: ['batch'],
          exporters: ['jaeger_storage_exporter'],
        },
      },
      ...(shared && {
        telemetry: {
          metrics: {
            readers: [
              { pull: { exporter: { prometheus: { host: listen.host, port: shared.metrics } } } },
            ],
          },
        },
      }),
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: at(listen.health) } },
      jaeger_query: {
        storage: { traces: 'memstore' },
        ui: { config_file: uiConfigFile },
        ...(shared && {
          http: { endpoint: at(shared.query) },
          grpc: { endpoint: at(shared.queryGrpc) },
        }),
      },
      jaeger_storage: { backends: { memstore: { memory: { max_traces: maxTraces } } } },
    },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: at(listen.otlpGrpc) },
          http: { endpoint: at(listen.otlpHttp) },
        },
      },
    },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: 'memstore' } },
  }
}
