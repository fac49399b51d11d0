import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { alerts } from './alerts'
import { metrics as m } from './metrics'
import { build, shopscopeDashboard, timeseries } from './panels'

const requests = m.httpServerDuration.count
/** `<errors> / <all>`, 0 rather than no series when a service has no error. */
function errorRatio(by: string, errorMatcher: string): string {
  const all = `sum by (${by}) (rate(${requests}[$__rate_interval]))`
  const errors = `sum by (${by}) (rate(${requests}{${errorMatcher}}[$__rate_interval]))`
  return `(${errors} or ${all} * 0) / ${all}`
}

const checkout = `service_name="order-service", http_request_method="POST", http_route="/api/v1/orders"`
const checkoutRequests = `sum(rate(${requests}{${checkout}}[$__rate_interval]))`
const checkoutErrors = `sum(rate(${requests}{${checkout}, http_response_status_code=~"5.."}[$__rate_interval]))`

function quantiles(legendPrefix: string, by: string, bucket: string) {
  return [0.5, 0.95, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${by}) (rate(${bucket}[$__rate_interval])))`,
    legend: `${legendPrefix}p${q * 100}`,
  }))
}

const ordersCreated = `sum(rate(${m.ordersCreated.name}[$__rate_interval]))`
const revenue = `sum(rate(${m.orderValue.sum}[$__rate_interval]))`

export function shopOverview(): Dashboard {
  return build(
    shopscopeDashboard({
      uid: 'shopscope-overview',
      title: 'Shop overview',
      description:
        'RED per service (rate, 5xx ratio, p50/p95/p99) and the business view of checkout.',
      tags: ['overview'],
    })
      .withRow(new RowBuilder('Requests, errors, duration per service'))
      .withPanel(
        timeseries({
          title: 'Request rate per service',
          unit: 'reqps',
          width: 12,
          queries: [
            {
              expr: `sum by (service_name) (rate(${requests}[$__rate_interval]))`,
              legend: '{{service_name}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: '5xx ratio per service',
          unit: 'percentunit',
          width: 12,
          description: `Server errors only; ${alerts.highErrorRate} fires above 5%. 4xx are shown separately.`,
          queries: [
            {
              expr: errorRatio('service_name', 'http_response_status_code=~"5.."'),
              legend: '{{service_name}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: '4xx ratio per service',
          unit: 'percentunit',
          width: 12,
          description:
            'Client errors (invalid input, empty cart, bad credentials): never alerted on.',
          queries: [
            {
              expr: errorRatio('service_name', 'http_response_status_code=~"4.."'),
              legend: '{{service_name}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Duration p50 / p95 / p99 per service',
          unit: 's',
          width: 12,
          queries: quantiles('{{service_name}} ', 'service_name, le', m.httpServerDuration.bucket),
        }),
      )
      .withPanel(
        timeseries({
          title: 'Outgoing HTTP calls by upstream',
          unit: 'reqps',
          width: 12,
          queries: [
            {
              expr: `sum by (service_name, server_address) (rate(${m.httpClientDuration.count}[$__rate_interval]))`,
              legend: '{{service_name}} → {{server_address}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Upstream circuit breakers',
          unit: 'short',
          width: 12,
          description: '0 closed, 1 half-open, 2 open.',
          queries: [
            {
              expr: `max by (service_name, upstream) (${m.upstreamCircuitState.name})`,
              legend: '{{service_name}} → {{upstream}}',
            },
          ],
        }),
      )
      .withRow(new RowBuilder('Checkout'))
      .withPanel(
        timeseries({
          title: 'Checkouts per minute',
          unit: 'short',
          width: 12,
          queries: [
            { expr: `${ordersCreated} * 60`, legend: 'orders created' },
            {
              expr: `sum by (reason) (rate(${m.ordersFailed.name}[$__rate_interval])) * 60 or ${ordersCreated} * 0`,
              legend: 'failed {{reason}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Checkout availability (SLO 99.5%)',
          unit: 'percentunit',
          width: 12,
          description: `Share of POST /api/v1/orders not answered 5xx; ${alerts.checkoutAvailabilityBurnRate} watches it.`,
          queries: [
            {
              expr: `1 - (${checkoutErrors} or ${checkoutRequests} * 0) / ${checkoutRequests}`,
              legend: 'available',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Revenue per minute',
          unit: 'currencyEUR',
          width: 12,
          queries: [{ expr: `${revenue} * 60`, legend: '€ / min' }],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Order value p50 / p95 and average',
          unit: 'currencyEUR',
          width: 12,
          queries: [
            ...quantiles('', 'le', m.orderValue.bucket).slice(0, 2),
            {
              expr: `${revenue} / sum(rate(${m.orderValue.count}[$__rate_interval]))`,
              legend: 'average',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Stock reservations by result',
          unit: 'short',
          width: 12,
          queries: [
            {
              expr: `sum by (result) (rate(${m.stockReservations.name}[$__rate_interval])) * 60`,
              legend: '{{result}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Logins and registrations per minute',
          unit: 'short',
          width: 12,
          queries: [
            {
              expr: `sum by (result) (rate(${m.logins.name}[$__rate_interval])) * 60`,
              legend: 'login {{result}}',
            },
            {
              expr: `sum(rate(${m.usersRegistered.name}[$__rate_interval])) * 60`,
              legend: 'registrations',
            },
          ],
        }),
      ),
  )
}
