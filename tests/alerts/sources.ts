// Reads what this area checks: rule files, Alertmanager config, the dashboards, the metric table.
import { dashboardFiles } from '@shopscope/dashboards'
import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'
import { ALERTMANAGER_CONFIG, ALERTS_DIR } from '../../dev/local/alert-config'

export { ALERTMANAGER_CONFIG, ALERTS_DIR }
export const ROOT = resolve(__dirname, '../..')
export const RULE_TESTS_DIR = join(ALERTS_DIR, 'tests')
export const TELEMETRY_DOC = join(ROOT, 'docs', 'telemetry.md')
/** One `<Alert>.md` per alert, and README.md (what they share, where they are served). */
export const RUNBOOKS_DIR = join(ROOT, 'docs', 'runbooks')

export interface Rule {
  alert?: string
  record?: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

export interface RuleFile {
  path: string
  rules: Rule[]
}

export interface DashboardTarget {
  refId?: string
  expr?: string
  datasource?: { type?: string; uid?: string }
}

export interface DashboardPanel {
  id?: number
  type: string
  title: string
  datasource?: { type?: string; uid?: string }
  targets?: DashboardTarget[]
  panels?: DashboardPanel[]
}

export interface DashboardVariable {
  name: string
  type: string
  query?: string | { query?: string }
  datasource?: { type?: string; uid?: string }
  current?: { value?: string | string[] }
}

export interface Dashboard {
  /** The ConfigMap key Grafana's sidecar writes it to, e.g. `shop-overview.json`. */
  path: string
  uid: string
  title: string
  panels: DashboardPanel[]
  templating?: { list?: DashboardVariable[] }
}

/** One query of one panel, with the datasource it runs on. */
export interface PanelQuery {
  dashboardUid: string
  panelTitle: string
  refId: string
  datasourceUid: string
  expr: string
}

function filesIn(dir: string, suffix: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => join(dir, name))
}

/** Every rule file in alerts/ (YAML files with `groups`; alertmanager.yaml has none). */
export function loadRuleFiles(dir = ALERTS_DIR): RuleFile[] {
  return filesIn(dir, '.yaml').flatMap((path) => {
    const doc = parse(readFileSync(path, 'utf8')) as { groups?: { rules: Rule[] }[] }
    if (!doc.groups) return []
    return [{ path, rules: doc.groups.flatMap((group) => group.rules) }]
  })
}

export function ruleTestFiles(dir = RULE_TESTS_DIR): string[] {
  return filesIn(dir, '.test.yaml')
}

/** The metric selectors of promtool test inputs: they must use real names too. */
export function ruleTestSeries(dir = RULE_TESTS_DIR): string[] {
  return ruleTestFiles(dir).flatMap((path) => {
    const doc = parse(readFileSync(path, 'utf8')) as {
      tests: { input_series?: { series: string }[] }[]
    }
    return doc.tests.flatMap((test) => (test.input_series ?? []).map((input) => input.series))
  })
}

/** The dashboards as Grafana gets them: the JSON dashboards/src generates, parsed back. */
export function loadDashboards(): Dashboard[] {
  return Object.entries(dashboardFiles()).map(([path, json]) => ({
    ...(JSON.parse(json) as Omit<Dashboard, 'path'>),
    path,
  }))
}

function flattenPanels(panels: DashboardPanel[]): DashboardPanel[] {
  return panels.flatMap((panel) => [panel, ...flattenPanels(panel.panels ?? [])])
}

export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  return flattenPanels(dashboard.panels).flatMap((panel) =>
    (panel.targets ?? []).flatMap((target) => {
      const datasourceUid = target.datasource?.uid ?? panel.datasource?.uid ?? ''
      if (target.expr === undefined) return []
      return [
        {
          dashboardUid: dashboard.uid,
          panelTitle: panel.title,
          refId: target.refId ?? '',
          datasourceUid,
          expr: target.expr,
        },
      ]
    }),
  )
}

export function variableQuery(variable: DashboardVariable): string {
  if (typeof variable.query === 'string') return variable.query
  return variable.query?.query ?? ''
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8')
}
