import { Construct } from 'constructs'
import { manifest } from '../api'

export interface DashboardsProps {
  readonly namespace: string
  /** File name (e.g. `shop-overview.json`) → dashboard JSON text. */
  readonly dashboards: Record<string, string>
  /** Labels the Grafana dashboard sidecar loads ConfigMaps by. */
  readonly labels: Record<string, string>
  /** Grafana folder the sidecar files them under. */
  readonly folder: string
}

/** One ConfigMap per Grafana dashboard, picked up by kube-prometheus-stack's Grafana sidecar. */
export class Dashboards extends Construct {
  constructor(scope: Construct, id: string, props: DashboardsProps) {
    super(scope, id)
    for (const [file, json] of Object.entries(props.dashboards)) {
      const name = `dashboard-${file
        .replace(/\.json$/, '')
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')}`
      manifest(this, file, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name,
          namespace: props.namespace,
          labels: props.labels,
          annotations: { grafana_folder: props.folder },
        },
        data: { [file]: json },
      })
    }
  }
}
