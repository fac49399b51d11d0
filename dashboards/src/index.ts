// The Grafana dashboards, built in TypeScript. cdk8s ships them as ConfigMaps for the Grafana
// sidecar; tests/alerts reads the same objects.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { mysqlAndPods } from './mysql-and-pods'
import { serviceDrilldown } from './service-drilldown'
import { shopOverview } from './shop-overview'
import { telemetryPipeline } from './telemetry-pipeline'

export { alerts } from './alerts'
export { ALL_METRICS, metrics, type Metric } from './metrics'
export { datasources } from './panels'

/** File name (the ConfigMap key the sidecar writes to disk) → dashboard. */
export function dashboards(): Record<string, Dashboard> {
  return {
    'mysql-and-pods.json': mysqlAndPods(),
    'service-drilldown.json': serviceDrilldown(),
    'shop-overview.json': shopOverview(),
    'telemetry-pipeline.json': telemetryPipeline(),
  }
}

/** The same, as the JSON text Grafana loads. */
export function dashboardFiles(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(dashboards()).map(([file, dashboard]) => [
      file,
      `${JSON.stringify(dashboard, null, 2)}\n`,
    ]),
  )
}
