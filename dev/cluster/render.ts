import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NAMESPACES, REPO_ROOT, readVersions } from '@shopscope/system'
import { parseAllDocuments } from 'yaml'
import { type LogsBackend, readInputs } from '../../cdk8s/src/inputs'
import { synth } from '../../cdk8s/src/synth'
import { type Result, runSync, runSyncOk } from './run'
import { CHART_DIR, tool } from './tools'

export const VERSIONS = readVersions()
export const KUBERNETES_VERSION = VERSIONS.KUBERNETES_VERSION as string
/** The namespace the app chart is rendered in, as on the cluster. */
export const APP_NAMESPACE = NAMESPACES.shop
export const RELEASE = 'shopscope'

/** Every ci/*-values.yaml of the app chart (the cases `helm lint` and templates run with). */
export function ciValuesFiles(): string[] {
  const dir = join(CHART_DIR, 'ci')
  return readdirSync(dir)
    .filter((file) => file.endsWith('-values.yaml'))
    .sort()
    .map((file) => join(dir, file))
}

/** `helm template` of the app chart with the given values files and --set flags. */
export function helmTemplate(valuesFiles: string[], set: string[] = []): string {
  return runSyncOk(tool('helm'), templateArgs(valuesFiles, set))
}

/** The same render for a test that expects the chart to refuse: its status and stderr. */
export function helmTemplateResult(valuesFiles: string[], set: string[] = []): Result {
  return runSync(tool('helm'), templateArgs(valuesFiles, set))
}

function templateArgs(valuesFiles: string[], set: string[]): string[] {
  const args = ['template', RELEASE, CHART_DIR, '--namespace', APP_NAMESPACE]
  args.push('--kube-version', KUBERNETES_VERSION)
  for (const file of valuesFiles) args.push('--values', file)
  for (const flag of set) args.push('--set', flag)
  return args
}

export type K8sObject = {
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
  [key: string]: unknown
}

/** The objects of a multi-document YAML stream (empty documents dropped). */
export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw doc.errors[0]
      return doc.toJS() as K8sObject | null
    })
    .filter((object): object is K8sObject => object !== null)
}

/**
 * Synthesizes the cdk8s app from the repository's inputs into a fresh directory, with the given
 * logs store (never the caller's LOGS_BACKEND: the tests see one synthesis per backend).
 */
export function synthPlatform(logsBackend: LogsBackend = 'loki'): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'shopscope-cdk8s-'))
  synth(readInputs(REPO_ROOT, { LOGS_BACKEND: logsBackend }), dir, 'test-password')
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.k8s.yaml'))
    .sort()
    .map((file) => join(dir, file))
  return { dir, files }
}

export function readObjects(files: string[]): K8sObject[] {
  return files.flatMap((file) => parseObjects(readFileSync(file, 'utf8')))
}
