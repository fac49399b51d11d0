import { App } from 'cdk8s'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PlatformInputs } from '../src/inputs'
import { buildPlatform } from '../src/platform'
import { parseVersions } from '@shopscope/system'

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8')

/** Inputs from test/fixtures: the tests and the snapshot depend on the cdk8s code only. */
export function fixtureInputs(overrides: Partial<PlatformInputs> = {}): PlatformInputs {
  return {
    versions: parseVersions(fixture('versions.env')),
    collectorConfig: fixture('collector.yaml'),
    dashboards: { 'shop-overview.json': JSON.stringify({ title: 'Shop overview', panels: [] }) },
    ruleFiles: { 'example.rules.yaml': fixture('example.rules.yaml') },
    alertmanagerFile: fixture('alertmanager.yaml'),
    runbooks: { 'ServiceDown.md': '# ServiceDown\n' },
    runbookBaseUrl: 'https://docs.example/runbooks',
    nodeFailureTolerationSeconds: 30,
    logsBackend: 'loki',
    ...overrides,
  }
}

export type Obj = {
  apiVersion: string
  kind: string
  metadata: {
    name: string
    namespace?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }
  spec?: any // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions walk any kind
  data?: Record<string, string>
  stringData?: Record<string, string>
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[]
  subjects?: { kind: string; name: string; namespace?: string }[]
}

/** Every object of the platform built from `inputs`, chart by chart. */
export function platformObjects(inputs = fixtureInputs()): Record<string, Obj[]> {
  const app = new App({ outdir: '/nonexistent' })
  const platform = buildPlatform(app, inputs)
  return {
    namespaces: platform.namespaces.toJson() as Obj[],
    observability: platform.observability.toJson() as Obj[],
    shop: platform.shop.toJson() as Obj[],
  }
}
