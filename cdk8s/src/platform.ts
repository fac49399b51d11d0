import { NAMESPACES, SERVICES, pinned, type ServiceName } from '@shopscope/system'
import { Chart, type App } from 'cdk8s'
import { NamespacesChart } from './charts/namespaces-chart'
import { ObservabilityChart } from './charts/observability-chart'
import { ShopChart } from './charts/shop-chart'
import { LoadTest } from './constructs/load-test'
import { Isolation } from './isolation'
import type { PlatformInputs } from './inputs'

export interface Platform {
  readonly namespaces: NamespacesChart
  readonly observability: ObservabilityChart
  readonly shop: ShopChart
  readonly loadTest?: Chart
}

/** The whole platform in one app; the chart ids are the output file names. */
export function buildPlatform(app: App, inputs: PlatformInputs): Platform {
  const namespaces = new NamespacesChart(app, '00-namespaces')
  const observability = new ObservabilityChart(app, '10-observability', inputs)
  const shop = new ShopChart(app, '20-shop', inputs)
  // With the namespaces: no pod runs in them before its callers are the only ones let in.
  new Isolation(namespaces, { observability, shop })
  return { namespaces, observability, shop, loadTest: loadTestChart(app, inputs) }
}

/** The Locust Job of `make load-cluster`: applied on demand, never by `make cluster-up`. */
function loadTestChart(app: App, inputs: PlatformInputs): Chart | undefined {
  if (inputs.loadTestFiles === undefined) return undefined
  const chart = new Chart(app, '90-load-test')
  // The app's Helm release is `shopscope` (dev/cluster/deploy.ts), its Services `shopscope-<name>`.
  const url = (service: ServiceName) =>
    `http://shopscope-${service}.${NAMESPACES.shop}.svc.cluster.local:${SERVICES[service].port}`
  new LoadTest(chart, 'locust', {
    namespace: NAMESPACES.shop,
    image: pinned(inputs.versions, 'LOCUST_IMAGE'),
    files: inputs.loadTestFiles,
    frontendUrl: url('frontend'),
    productServiceUrl: url('product-service'),
  })
  return chart
}
