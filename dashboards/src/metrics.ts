/**
 * Every metric name alert rules and dashboards may use, as Prometheus stores it (OpenTelemetry
 * names after the Collector's translation: dots to underscores, unit and `_total` added).
 * docs/telemetry.md describes each one (labels, where it comes from); tests/alerts checks that its
 * table lists exactly these names and that no rule or dashboard query uses another.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram'

export interface Metric {
  readonly name: string
  readonly type: MetricType
  /** Only exists in a cluster (kube-state-metrics): no local Prometheus can have it. */
  readonly clusterOnly: boolean
}

/** A histogram's series: PromQL queries these, never the bare name. */
export interface Histogram extends Metric {
  readonly type: 'histogram'
  readonly bucket: string
  readonly count: string
  readonly sum: string
}

function counter(name: string, clusterOnly = false): Metric {
  return { name, type: 'counter', clusterOnly }
}

function gauge(name: string, clusterOnly = false): Metric {
  return { name, type: 'gauge', clusterOnly }
}

function histogram(name: string): Histogram {
  const series = { bucket: `${name}_bucket`, count: `${name}_count`, sum: `${name}_sum` }
  return { name, type: 'histogram', clusterOnly: false, ...series }
}

export const metrics = {
  httpServerDuration: histogram('http_server_request_duration_seconds'),
  httpClientDuration: histogram('http_client_request_duration_seconds'),
  spanCalls: counter('traces_span_metrics_calls_total'),
  spanDuration: histogram('traces_span_metrics_duration_seconds'),

  ordersCreated: counter('shopscope_orders_created_total'),
  ordersFailed: counter('shopscope_orders_failed_total'),
  orderValue: histogram('shopscope_order_value_euros'),
  stockReservations: counter('shopscope_stock_reservations_total'),
  logins: counter('shopscope_logins_total'),
  usersRegistered: counter('shopscope_users_registered_total'),
  browserSpanExports: counter('shopscope_browser_span_exports_total'),
  browserSpansDropped: counter('shopscope_browser_spans_dropped_total'),
  upstreamCircuitState: gauge('shopscope_upstream_circuit_state'),
  telemetryDropped: counter('shopscope_telemetry_dropped_total'),
  telemetryBreakerState: gauge('shopscope_telemetry_export_breaker_state'),
  dbPoolConnections: gauge('shopscope_db_pool_connections'),
  dbUp: gauge('shopscope_db_up'),

  eventLoopLag: gauge('nodejs_eventloop_lag_seconds'),
  residentMemory: gauge('process_resident_memory_bytes'),
  cpuSeconds: counter('process_cpu_seconds_total'),
  up: gauge('up'),

  collectorAcceptedSpans: counter('otelcol_receiver_accepted_spans_total'),
  collectorRefusedSpans: counter('otelcol_receiver_refused_spans_total'),
  collectorSentSpans: counter('otelcol_exporter_sent_spans_total'),
  collectorSendFailedSpans: counter('otelcol_exporter_send_failed_spans_total'),
  collectorAcceptedMetricPoints: counter('otelcol_receiver_accepted_metric_points_total'),
  collectorRefusedMetricPoints: counter('otelcol_receiver_refused_metric_points_total'),
  collectorSentMetricPoints: counter('otelcol_exporter_sent_metric_points_total'),
  collectorAcceptedLogRecords: counter('otelcol_receiver_accepted_log_records_total'),
  collectorRefusedLogRecords: counter('otelcol_receiver_refused_log_records_total'),
  collectorSentLogRecords: counter('otelcol_exporter_sent_log_records_total'),
  collectorSendFailedLogRecords: counter('otelcol_exporter_send_failed_log_records_total'),
  collectorQueueSize: gauge('otelcol_exporter_queue_size'),

  podRestarts: counter('kube_pod_container_status_restarts_total', true),
  nodeCondition: gauge('kube_node_status_condition', true),
} as const satisfies Record<string, Metric>

export const ALL_METRICS: readonly Metric[] = Object.values(metrics)
