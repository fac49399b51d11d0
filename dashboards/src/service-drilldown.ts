import type * as cog from '@grafana/grafana-foundation-sdk/cog'
import { LogsSortOrder } from '@grafana/grafana-foundation-sdk/common'
import {
  QueryVariableBuilder,
  RowBuilder,
  TextBoxVariableBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard'
import { DataqueryBuilder as LokiQueryBuilder } from '@grafana/grafana-foundation-sdk/loki'
import { PanelBuilder as LogsBuilder } from '@grafana/grafana-foundation-sdk/logs'
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table'
import { alerts } from './alerts'
import { metrics as m } from './metrics'
import { build, datasources, shopscopeDashboard, timeseries } from './panels'

const service = 'service_name="$service"'
const requests = m.httpServerDuration.count
const rate = (series: string, matchers = service) =>
  `rate(${series}{${matchers}}[$__rate_interval])`

/** The SDK has no Jaeger query: a trace search of the chosen service. */
const recentTraces: cog.Builder<cog.Dataquery> = {
  build: () => ({
    refId: 'A',
    datasource: datasources.jaeger,
    queryType: 'search',
    service: '$service',
    limit: 20,
    _implementsDataqueryVariant() {},
  }),
}

export function serviceDrilldown(): Dashboard {
  const byRoute = 'http_request_method, http_route'
  return build(
    shopscopeDashboard({
      uid: 'shopscope-service-drilldown',
      title: 'Service drill-down',
      description:
        'One service: routes, status codes, spans with exemplars (click a dot to open the trace in Jaeger), its logs filtered by trace id.',
      tags: ['service'],
    })
      .withVariable(
        new QueryVariableBuilder('service')
          .label('service')
          .datasource(datasources.prometheus)
          .query({ query: `label_values(${requests}, service_name)`, refId: 'service' })
          .definition(`label_values(${requests}, service_name)`)
          .refresh(VariableRefresh.OnTimeRangeChanged)
          .sort(VariableSort.AlphabeticalAsc)
          .multi(false)
          .includeAll(false),
      )
      .withVariable(
        new TextBoxVariableBuilder('trace_id')
          .label('trace id (regex)')
          .defaultValue('.*')
          .current({ text: '.*', value: '.*' })
          .options([{ selected: true, text: '.*', value: '.*' }]),
      )
      .withRow(new RowBuilder('HTTP server'))
      .withPanel(
        timeseries({
          title: 'Request rate by route',
          unit: 'reqps',
          width: 12,
          queries: [
            {
              expr: `sum by (${byRoute}) (${rate(requests)})`,
              legend: '{{http_request_method}} {{http_route}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Responses by status code',
          unit: 'reqps',
          width: 12,
          queries: [
            {
              expr: `sum by (http_response_status_code) (${rate(requests)})`,
              legend: '{{http_response_status_code}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: '5xx ratio by route',
          unit: 'percentunit',
          width: 12,
          queries: [
            {
              expr:
                `(sum by (${byRoute}) (${rate(requests, `${service}, http_response_status_code=~"5.."`)})` +
                ` or sum by (${byRoute}) (${rate(requests)}) * 0)` +
                ` / sum by (${byRoute}) (${rate(requests)})`,
              legend: '{{http_request_method}} {{http_route}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'p95 by route (exemplars → traces)',
          unit: 's',
          width: 12,
          description: `${alerts.highLatency} fires above 500ms for routes with more than 0.1 req/s.`,
          queries: [
            {
              expr: `histogram_quantile(0.95, sum by (http_route, le) (${rate(m.httpServerDuration.bucket)}))`,
              legend: '{{http_route}}',
              exemplars: true,
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Duration p50 / p95 / p99 (exemplars → traces)',
          unit: 's',
          width: 12,
          queries: [0.5, 0.95, 0.99].map((q) => ({
            expr: `histogram_quantile(${q}, sum by (le) (${rate(m.httpServerDuration.bucket)}))`,
            legend: `p${q * 100}`,
            exemplars: true,
          })),
        }),
      )
      .withRow(new RowBuilder('Spans (Collector spanmetrics)'))
      .withPanel(
        timeseries({
          title: 'Span rate by name and status',
          unit: 'ops',
          width: 12,
          queries: [
            {
              expr: `sum by (span_name, status_code) (${rate(m.spanCalls.name)})`,
              legend: '{{span_name}} {{status_code}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Span p95 by name (exemplars → traces)',
          unit: 's',
          width: 12,
          queries: [
            {
              expr: `histogram_quantile(0.95, sum by (span_name, le) (${rate(m.spanDuration.bucket)}))`,
              legend: '{{span_name}}',
              exemplars: true,
            },
          ],
        }),
      )
      .withRow(new RowBuilder('Process'))
      .withPanel(
        timeseries({
          title: 'Event-loop lag',
          unit: 's',
          width: 8,
          queries: [
            {
              expr: `max by (instance) (${m.eventLoopLag.name}{${service}})`,
              legend: '{{instance}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Resident memory',
          unit: 'bytes',
          width: 8,
          queries: [
            {
              expr: `max by (instance) (${m.residentMemory.name}{${service}})`,
              legend: '{{instance}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'CPU',
          unit: 'percentunit',
          width: 8,
          queries: [
            { expr: `sum by (instance) (${rate(m.cpuSeconds.name)})`, legend: '{{instance}}' },
          ],
        }),
      )
      .withRow(new RowBuilder('Traces and logs'))
      .withPanel(
        new TableBuilder()
          .title('Recent traces')
          .description(
            'Latest traces of the service in Jaeger; open one, or copy its id into the trace id box to filter the logs below.',
          )
          .datasource(datasources.jaeger)
          .unit('short')
          .span(24)
          .height(8)
          .withTarget(recentTraces),
      )
      .withPanel(
        new LogsBuilder()
          .title('Logs (filtered by trace id)')
          .datasource(datasources.loki)
          .unit('short')
          .span(24)
          .height(10)
          .showTime(true)
          .wrapLogMessage(true)
          .sortOrder(LogsSortOrder.Descending)
          .enableLogDetails(true)
          .withTarget(
            new LokiQueryBuilder()
              .expr(`{${service}} | json | trace_id=~"$trace_id"`)
              .queryType('range')
              .datasource(datasources.loki)
              .refId('A'),
          ),
      ),
  )
}
