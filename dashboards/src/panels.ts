// The pieces every dashboard is built from: the datasources Grafana is provisioned with, a
// time series panel of PromQL queries, and the dashboard frame they share.
import type * as cog from '@grafana/grafana-foundation-sdk/cog'
import {
  LegendDisplayMode,
  LegendPlacement,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common'
import {
  DashboardBuilder,
  DashboardCursorSync,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard'
import { DataqueryBuilder as PrometheusQueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus'
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries'

/** The datasources cdk8s provisions in Grafana, by the fixed uids panels refer to. */
export const datasources = {
  prometheus: { type: 'prometheus', uid: 'prometheus' },
  loki: { type: 'loki', uid: 'loki' },
  jaeger: { type: 'jaeger', uid: 'jaeger' },
} as const
export type Datasource = (typeof datasources)[keyof typeof datasources]

/** Grafana's unit ids of the units these dashboards use. */
export type Unit =
  'short' | 'none' | 'reqps' | 'ops' | 'percentunit' | 's' | 'bytes' | 'currencyEUR'

/** A PromQL query and the legend of its series. */
export interface Query {
  expr: string
  legend: string
  /** Ask Prometheus for exemplars: their trace ids open the trace in Jaeger. */
  exemplars?: boolean
}

export interface TimeseriesPanel {
  title: string
  unit: Unit
  queries: Query[]
  /** Width in grid columns (of 24); panels fill rows left to right. */
  width: 8 | 12 | 24
  description?: string
  min?: number
  max?: number
}

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

export function prometheusQuery(query: Query, refId: string): PrometheusQueryBuilder {
  const builder = new PrometheusQueryBuilder()
    .expr(query.expr)
    .legendFormat(query.legend)
    .range()
    .datasource(datasources.prometheus)
    .refId(refId)
  return query.exemplars ? builder.exemplar(true) : builder
}

/** A time series panel of PromQL queries, with Grafana's default legend and tooltip. */
export function timeseries(panel: TimeseriesPanel): TimeseriesBuilder {
  const builder = new TimeseriesBuilder()
    .title(panel.title)
    .datasource(datasources.prometheus)
    .unit(panel.unit)
    .span(panel.width)
    .height(8)
    .legend(
      new VizLegendOptionsBuilder()
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom)
        .showLegend(true)
        .calcs([]),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Single).sort(SortOrder.None))
    .targets(panel.queries.map((query, i) => prometheusQuery(query, REF_IDS.charAt(i))))
  if (panel.description !== undefined) builder.description(panel.description)
  if (panel.min !== undefined) builder.min(panel.min)
  if (panel.max !== undefined) builder.max(panel.max)
  return builder
}

export interface DashboardFrame {
  uid: string
  /** Shown after `shopscope / `. */
  title: string
  description: string
  tags: string[]
}

/** A dashboard of the shopscope folder: the last hour, in UTC, refreshed every 30 s. */
export function shopscopeDashboard(frame: DashboardFrame): DashboardBuilder {
  return new DashboardBuilder(`shopscope / ${frame.title}`)
    .uid(frame.uid)
    .description(frame.description)
    .tags(['shopscope', ...frame.tags])
    .editable()
    .version(1)
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('utc')
    .tooltip(DashboardCursorSync.Crosshair)
    .links([])
}

/** The dashboard, its panels numbered in order (the builder leaves them without ids). */
export function build(builder: cog.Builder<Dashboard>): Dashboard {
  const dashboard = builder.build()
  dashboard.panels?.forEach((panel, i) => {
    panel.id = i + 1
  })
  return dashboard
}
