import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { SERVICE_NAMES } from '@shopscope/system'
import { alerts } from './alerts'
import { metrics as m } from './metrics'
import { build, shopscopeDashboard, timeseries } from './panels'

const byPod = 'service_name, instance'
const podLegend = '{{service_name}} {{instance}}'

export function mysqlAndPods(): Dashboard {
  const shopServices = SERVICE_NAMES.join('|')
  return build(
    shopscopeDashboard({
      uid: 'shopscope-mysql-and-pods',
      title: 'MySQL and pods',
      description: 'Databases as the services see them, pod restarts and the Node.js processes.',
      tags: ['mysql', 'pods'],
    })
      .withRow(new RowBuilder('Databases'))
      .withPanel(
        timeseries({
          title: 'Database up per service',
          unit: 'short',
          width: 8,
          description: `1 when the service's MySQL answers; ${alerts.mysqlDown} fires on 0.`,
          queries: [{ expr: `min by (service_name) (${m.dbUp.name})`, legend: '{{service_name}}' }],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Pool connections by state',
          unit: 'short',
          width: 8,
          queries: [
            {
              expr: `sum by (service_name, state) (${m.dbPoolConnections.name})`,
              legend: '{{service_name}} {{state}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Pending connection requests',
          unit: 'short',
          width: 8,
          description:
            'Requests waiting for a pooled connection: above 0 for long means DB_POOL_MAX is too small or queries are slow.',
          queries: [
            {
              expr: `sum by (service_name) (${m.dbPoolConnections.name}{state="pending"})`,
              legend: '{{service_name}}',
            },
          ],
        }),
      )
      .withRow(new RowBuilder('Pods and processes'))
      .withPanel(
        timeseries({
          title: 'Scrape targets up',
          unit: 'short',
          width: 12,
          queries: [
            {
              expr: `min by (service_name) (${m.up.name}{service_name=~"${shopServices}"})`,
              legend: '{{service_name}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Container restarts (last hour, cluster only)',
          unit: 'short',
          width: 12,
          description: `From kube-state-metrics; ${alerts.podCrashLooping} fires above 2 restarts in 15 minutes.`,
          queries: [
            {
              expr: `sum by (namespace, pod, container) (increase(${m.podRestarts.name}[1h]))`,
              legend: '{{pod}} {{container}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Resident memory per pod',
          unit: 'bytes',
          width: 8,
          queries: [{ expr: `max by (${byPod}) (${m.residentMemory.name})`, legend: podLegend }],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Event-loop lag per pod',
          unit: 's',
          width: 8,
          queries: [{ expr: `max by (${byPod}) (${m.eventLoopLag.name})`, legend: podLegend }],
        }),
      )
      .withPanel(
        timeseries({
          title: 'CPU per pod',
          unit: 'percentunit',
          width: 8,
          queries: [
            {
              expr: `sum by (${byPod}) (rate(${m.cpuSeconds.name}[$__rate_interval]))`,
              legend: podLegend,
            },
          ],
        }),
      ),
  )
}
