import { App } from 'cdk8s'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PlatformInputs } from '../src/inputs'
import { buildPlatform } from '../src/platform'
import { parseVersions } from '@shopscope/system'
import type { K8sObject } from '../../dev/cluster/render'

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

/** A synthesized object as the assertions read it: the rendered chart's shape, RBAC fields typed. */
export type Obj = K8sObject & {
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
