import { NAMESPACES, SERVICE_NAMES, SERVICES_WITH_DATABASE, pinned } from '@shopscope/system'
import { Chart } from 'cdk8s'
import type { Construct } from 'constructs'
import { MySql } from '../constructs/mysql'
import { AppServiceMonitors } from '../constructs/service-monitors'
import type { PlatformInputs } from '../inputs'
import { MONITORING_SELECTOR } from '../names'

/**
 * Development passwords of the kind cluster's databases, also in the app chart's
 * ci/kind-values.yaml (a test checks they agree). Staging brings its own databases.
 */
export const DEV_DATABASE_PASSWORDS: Record<string, string> = Object.fromEntries(
  SERVICES_WITH_DATABASE.map(({ database }) => [database, `dev-${database}-password`]),
)

/** Labels of the app chart's Service of a service (charts/shopscope selector labels). */
export function appServiceSelector(service: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'shopscope', 'app.kubernetes.io/component': service }
}

/** What the app's Helm release needs in its namespace: databases and scrape configuration. */
export class ShopChart extends Chart {
  readonly databases: MySql[]

  constructor(scope: Construct, id: string, inputs: PlatformInputs) {
    super(scope, id)
    const namespace = NAMESPACES.shop
    this.databases = SERVICES_WITH_DATABASE.map(
      ({ database }) =>
        new MySql(this, database, {
          namespace,
          database,
          password: DEV_DATABASE_PASSWORDS[database] as string,
          image: pinned(inputs.versions, 'MYSQL_IMAGE'),
          storage: '1Gi',
          resources: {
            requests: { cpu: '50m', memory: '320Mi' },
            limits: { cpu: '1', memory: '512Mi' },
          },
        }),
    )
    new AppServiceMonitors(this, 'monitors', {
      namespace,
      services: Object.fromEntries(SERVICE_NAMES.map((name) => [name, appServiceSelector(name)])),
      labels: MONITORING_SELECTOR,
    })
  }
}
