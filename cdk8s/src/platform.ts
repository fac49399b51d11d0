import type { App } from 'cdk8s'
import { NamespacesChart } from './charts/namespaces-chart'
import { ObservabilityChart } from './charts/observability-chart'
import { ShopChart } from './charts/shop-chart'
import type { PlatformInputs } from './inputs'

export interface Platform {
  readonly namespaces: NamespacesChart
  readonly observability: ObservabilityChart
  readonly shop: ShopChart
}

/** The whole platform in one app; the chart ids are the output file names. */
export function buildPlatform(app: App, inputs: PlatformInputs): Platform {
  return {
    namespaces: new NamespacesChart(app, '00-namespaces'),
    observability: new ObservabilityChart(app, '10-observability', inputs),
    shop: new ShopChart(app, '20-shop', inputs),
  }
}
