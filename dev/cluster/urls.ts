// Where each part of the system answers on this machine: kind maps the browser-facing node ports
// to localhost ports (kind-config.yaml). In-box there is no Grafana, and the logs are in
// VictoriaLogs' own UI.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NAMESPACES, NODE_PORTS, REPO_ROOT } from '@shopscope/system'
import { parse } from 'yaml'
import { DEV_GRAFANA_PASSWORD } from '../../cdk8s/src/synth'
import { inBox, logsBackend, nodeUrl } from './kind'

/** The shop's admin of the kind cluster: the chart's email, kind-values.yaml's dev password. */
function shopAdmin(): string {
  const read = (path: string) =>
    parse(readFileSync(join(REPO_ROOT, 'charts', 'shopscope', path), 'utf8'))
  const email = read('values.yaml').services?.['user-service']?.env?.ADMIN_EMAIL ?? '?'
  const password = read('ci/kind-values.yaml').secrets?.values?.ADMIN_PASSWORD ?? '?'
  return `${email} / ${password}`
}

export function urlRows(env = process.env): [string, string, string][] {
  const logs: [string, string, string] =
    logsBackend(env) === 'victorialogs'
      ? ['logs UI', `${nodeUrl(NODE_PORTS.victoriaLogs)}/select/vmui/`, '-   (VictoriaLogs)']
      : ['logs UI', `${nodeUrl(NODE_PORTS.grafana)}/explore`, '(Grafana, Loki datasource)']
  return [
    ['shop', nodeUrl(NODE_PORTS.shop), shopAdmin()],
    ...(inBox(env)
      ? []
      : [
          [
            'Grafana',
            nodeUrl(NODE_PORTS.grafana),
            `admin / ${env.GRAFANA_ADMIN_PASSWORD || DEV_GRAFANA_PASSWORD}`,
          ] as [string, string, string],
        ]),
    ['Jaeger UI', nodeUrl(NODE_PORTS.jaeger), '-'],
    logs,
    ['Prometheus', nodeUrl(NODE_PORTS.prometheus), '-'],
    [
      'Alertmanager',
      nodeUrl(NODE_PORTS.alertmanager),
      `-   (delivered alerts: kubectl -n ${NAMESPACES.observability} logs deploy/alert-receiver)`,
    ],
    ['runbooks', nodeUrl(NODE_PORTS.runbooks), "-   (where the alerts' runbook_url lead)"],
  ]
}

export function printUrls(env = process.env): void {
  const rows: [string, string, string][] = [['what', 'URL', 'credentials'], ...urlRows(env)]
  const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length))
  const line = (r: string[]) => `  ${r[0]!.padEnd(width(0))}  ${r[1]!.padEnd(width(1))}  ${r[2]}`
  process.stdout.write(
    [
      '',
      line(rows[0]!),
      line([width(0), width(1), 11].map((n) => '-'.repeat(n))),
      ...rows.slice(1).map(line),
      '',
    ].join('\n'),
  )
}
