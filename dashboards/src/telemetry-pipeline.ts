import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { alerts } from './alerts'
import { metrics as m, type Metric } from './metrics'
import { build, shopscopeDashboard, timeseries, type Query } from './panels'

const rate = (metric: Metric) => `rate(${metric.name}[$__rate_interval])`

interface SignalMetrics {
  accepted: Metric
  refused: Metric
  sent?: Metric
  sendFailed?: Metric
}

/**
 * The Collector's counters of one signal, items per second. Refusals and failures only exist
 * from the first one on: `or <accepted> * 0` draws them as 0 until then.
 */
function signalQueries({ accepted, refused, sent, sendFailed }: SignalMetrics): Query[] {
  const zero = `sum by (receiver) (${rate(accepted)}) * 0`
  const queries: Query[] = [
    { expr: `sum by (receiver) (${rate(accepted)})`, legend: 'accepted {{receiver}}' },
    { expr: `sum by (receiver) (${rate(refused)}) or ${zero}`, legend: 'refused {{receiver}}' },
  ]
  if (sent) queries.push({ expr: `sum by (exporter) (${rate(sent)})`, legend: 'sent {{exporter}}' })
  if (sendFailed) {
    const expr = `sum by (exporter) (${rate(sendFailed)}) or ${zero}`
    queries.push({ expr, legend: 'send failed {{exporter}}' })
  }
  return queries
}

/** A sum over every exporter or receiver, 0 while the counter does not exist yet. */
const total = (metrics: Metric[]) =>
  metrics.map((metric) => `(sum(${rate(metric)}) or vector(0))`).join(' + ')

export function telemetryPipeline(): Dashboard {
  return build(
    shopscopeDashboard({
      uid: 'shopscope-telemetry-pipeline',
      title: 'Telemetry pipeline',
      description:
        'Collector health: accepted, refused, sent and failed per signal, exporter queues.',
      tags: ['telemetry'],
    })
      .withRow(new RowBuilder('Per signal (items per second)'))
      .withPanel(
        timeseries({
          title: 'Spans',
          unit: 'short',
          width: 8,
          queries: signalQueries({
            accepted: m.collectorAcceptedSpans,
            refused: m.collectorRefusedSpans,
            sent: m.collectorSentSpans,
            sendFailed: m.collectorSendFailedSpans,
          }),
        }),
      )
      .withPanel(
        timeseries({
          title: 'Metric points',
          unit: 'short',
          width: 8,
          queries: signalQueries({
            accepted: m.collectorAcceptedMetricPoints,
            refused: m.collectorRefusedMetricPoints,
            sent: m.collectorSentMetricPoints,
          }),
        }),
      )
      .withPanel(
        timeseries({
          title: 'Log records',
          unit: 'short',
          width: 8,
          queries: signalQueries({
            accepted: m.collectorAcceptedLogRecords,
            refused: m.collectorRefusedLogRecords,
            sendFailed: m.collectorSendFailedLogRecords,
          }),
        }),
      )
      .withRow(new RowBuilder('Loss and back-pressure'))
      .withPanel(
        timeseries({
          title: `Dropped items per second (${alerts.collectorDroppingData} fires above 0)`,
          unit: 'short',
          width: 12,
          queries: [
            {
              expr: total([
                m.collectorRefusedSpans,
                m.collectorRefusedMetricPoints,
                m.collectorRefusedLogRecords,
              ]),
              legend: 'refused (all signals)',
            },
            {
              expr: total([m.collectorSendFailedSpans, m.collectorSendFailedLogRecords]),
              legend: 'send failed (all signals)',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Exporter queue size',
          unit: 'short',
          width: 12,
          queries: [
            { expr: `max by (exporter) (${m.collectorQueueSize.name})`, legend: '{{exporter}}' },
          ],
        }),
      )
      .withRow(
        new RowBuilder(
          "Services' exporters (scraped from the services: visible while the Collector is down)",
        ),
      )
      .withPanel(
        timeseries({
          title: 'Dropped in the services before export (items per second)',
          unit: 'short',
          width: 12,
          description:
            'Spans, log records and metric points the telemetry bootstrap dropped instead of exporting: queue_full (exports slower than the traffic), export_failed (a batch the collector did not take), breaker_open (the collector is unreachable: nothing is built, queued or sent until a probe succeeds).',
          queries: [
            {
              expr: `sum by (service_name, signal, reason) (${rate(m.telemetryDropped)})`,
              legend: '{{service_name}} {{signal}} {{reason}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Export breaker (0 exporting, 1 probing, 2 dropping)',
          unit: 'none',
          width: 12,
          min: 0,
          max: 2,
          queries: [
            {
              expr: `max by (service_name, signal) (${m.telemetryBreakerState.name})`,
              legend: '{{service_name}} {{signal}}',
            },
          ],
        }),
      ),
  )
}
