import { join } from 'node:path'
import { REPO_ROOT } from '@shopscope/system'
import { parse } from 'yaml'
import {
  chartSource,
  chartsDir as packagedChartsDir,
  operatorValuesArgs as operatorValues,
} from '../../../dev/cluster/charts'
import { KUBERNETES_VERSION, VERSIONS } from '../../../dev/cluster/render'
import { tool } from '../../../dev/cluster/tools'
import { type Result, runSync, runSyncOk } from '../../../dev/cluster/run'

/**
 * The upstream charts `make cluster-up` installs, rendered offline from their packaged .tgz files,
 * from the directory and with the operator's values arguments of dev/cluster/charts.ts: what
 * cluster up installs.
 */

/** CHARTS_DIR, else ../shared/charts next to the checkout; here there must be one. */
export function chartsDir(): string {
  const dir = packagedChartsDir()
  if (!dir) {
    throw new Error(
      'no packaged upstream charts: set CHARTS_DIR to a directory holding ' +
        'opentelemetry-operator-<version>.tgz and kube-prometheus-stack-<version>.tgz, ' +
        `or put them in ${join(REPO_ROOT, '..', 'shared', 'charts')}`,
    )
  }
  return dir
}

/** The packaged chart `<name>-<version>.tgz` cluster up installs. */
export function chartPath(name: string, version: string): string {
  const [path] = chartSource({ chart: name, repository: 'unused' }, version)
  if (!path?.endsWith('.tgz')) throw new Error(`no packaged ${name} chart: ${chartsDir()}`)
  return path
}

/** `helm upgrade --install` values arguments of the operator release. */
export const operatorValuesArgs = () => operatorValues(VERSIONS)

export interface ChartMetadata {
  name: string
  version: string
  appVersion: string
}

export function chartMetadata(chart: string): ChartMetadata {
  return parse(runSyncOk(tool('helm'), ['show', 'chart', chart])) as ChartMetadata
}

/** `helm template` of an upstream chart at the Kubernetes version we validate against. */
export function templateUpstream(
  release: string,
  chart: string,
  namespace: string,
  args: string[],
): Result {
  return runSync(tool('helm'), [
    'template',
    release,
    chart,
    '--namespace',
    namespace,
    '--kube-version',
    KUBERNETES_VERSION,
    ...args,
  ])
}
