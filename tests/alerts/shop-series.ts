// Synthetic series shaped like a load run of the shop: every documented metric, every service.
import { SERVICE_NAMES, SERVICES_WITH_DATABASE, type ServiceName } from '@shopscope/system'
import { histogram, type SyntheticSeries } from './prometheus-fixture'

const LATENCY_SHARES = { '0.1': 0.8, '0.5': 0.97, '1': 0.99 }

/** A few routes of each service (the type asks for every service of the model). */
const ROUTES: Record<ServiceName, [string, string, string][]> = {
  frontend: [
    ['GET', '/', '200'],
    ['POST', '/cart', '400'],
  ],
  'user-service': [['POST', '/api/v1/sessions', '200']],
  'product-service': [['GET', '/api/v1/products', '200']],
  'order-service': [
    ['POST', '/api/v1/orders', '201'],
    ['POST', '/api/v1/orders', '409'],
  ],
}

function perService(service: ServiceName): SyntheticSeries[] {
  const target = { service_name: service, job: service, instance: `${service}:8080` }
  const gauge = (name: string, value: number, labels = {}): SyntheticSeries => ({
    name,
    labels: { ...target, ...labels },
    kind: 'gauge',
    value,
  })
  const http = (ROUTES[service] ?? []).flatMap(([method, route, status]) =>
    histogram(
      'http_server_request_duration_seconds',
      {
        service_name: service,
        http_request_method: method,
        http_route: route,
        http_response_status_code: status,
      },
      2,
      LATENCY_SHARES,
      0.05,
    ),
  )
  const span = { service_name: service, span_name: `GET ${service}`, span_kind: 'SPAN_KIND_SERVER' }
  return [
    ...http,
    {
      name: 'traces_span_metrics_calls_total',
      labels: { ...span, status_code: 'STATUS_CODE_UNSET' },
      kind: 'counter',
      value: 2,
    },
    ...histogram(
      'traces_span_metrics_duration_seconds',
      { ...span, status_code: 'STATUS_CODE_UNSET' },
      2,
      LATENCY_SHARES,
      0.05,
    ),
    gauge('up', 1),
    ...['spans', 'log_records', 'metric_points'].flatMap((signal) => [
      gauge('shopscope_telemetry_export_breaker_state', 0, { signal }),
      ...['queue_full', 'export_failed', 'breaker_open'].map((reason): SyntheticSeries => ({
        name: 'shopscope_telemetry_dropped_total',
        labels: { ...target, signal, reason },
        kind: 'counter',
        value: 0.1,
      })),
    ]),
    gauge('nodejs_eventloop_lag_seconds', 0.002),
    gauge('process_resident_memory_bytes', 90e6),
    { name: 'process_cpu_seconds_total', labels: target, kind: 'counter', value: 0.05 },
    ...(SERVICES_WITH_DATABASE.some((s) => s.name === service)
      ? [
          gauge('shopscope_db_up', 1),
          ...['used', 'free', 'pending'].map((state) =>
            gauge('shopscope_db_pool_connections', state === 'free' ? 8 : 1, { state }),
          ),
        ]
      : []),
  ]
}

function business(): SyntheticSeries[] {
  const order = {
    service_name: 'order-service',
    job: 'order-service',
    instance: 'order-service:8080',
  }
  const counter = (
    name: string,
    labels: Record<string, string>,
    value: number,
  ): SyntheticSeries => ({
    name,
    labels,
    kind: 'counter',
    value,
  })
  return [
    counter('shopscope_orders_created_total', order, 0.5),
    counter('shopscope_orders_failed_total', { ...order, reason: 'empty_cart' }, 0.05),
    ...histogram('shopscope_order_value_euros', order, 0.5, { '50': 0.5, '100': 0.9 }, 60),
    counter(
      'shopscope_stock_reservations_total',
      { service_name: 'product-service', result: 'reserved' },
      0.5,
    ),
    counter('shopscope_logins_total', { service_name: 'user-service', result: 'success' }, 0.5),
    counter('shopscope_users_registered_total', { service_name: 'user-service' }, 0.1),
    {
      name: 'shopscope_upstream_circuit_state',
      labels: { ...order, upstream: 'product-service' },
      kind: 'gauge',
      value: 0,
    },
    ...histogram(
      'http_client_request_duration_seconds',
      {
        service_name: 'frontend',
        http_request_method: 'GET',
        http_response_status_code: '200',
        server_address: 'product-service',
      },
      1,
      LATENCY_SHARES,
      0.02,
    ),
  ]
}

function collector(): SyntheticSeries[] {
  const receiver = { receiver: 'otlp', transport: 'grpc' }
  const exporter = { exporter: 'otlp_grpc/jaeger' }
  const counter = (
    name: string,
    labels: Record<string, string>,
    value: number,
  ): SyntheticSeries => ({
    name,
    labels,
    kind: 'counter',
    value,
  })
  // Which exporter sends each signal (cdk8s/collector/config.yaml); the metrics pipeline's
  // exporter is pulled, so nothing counts metric points failed to send.
  const exporters = {
    spans: 'otlp_grpc/jaeger',
    metric_points: 'prometheus',
    log_records: 'otlp_http/logs',
  }
  return [
    ...Object.entries(exporters).flatMap(([signal, name]) => [
      counter(`otelcol_receiver_accepted_${signal}_total`, receiver, 100),
      counter(`otelcol_receiver_refused_${signal}_total`, receiver, 0),
      counter(`otelcol_exporter_sent_${signal}_total`, { exporter: name }, 100),
      ...(signal === 'metric_points'
        ? []
        : [counter(`otelcol_exporter_send_failed_${signal}_total`, { exporter: name }, 0)]),
    ]),
    { name: 'otelcol_exporter_queue_size', labels: exporter, kind: 'gauge', value: 3 },
  ]
}

export function shopSeries(): SyntheticSeries[] {
  return [...SERVICE_NAMES.flatMap(perService), ...business(), ...collector()]
}
