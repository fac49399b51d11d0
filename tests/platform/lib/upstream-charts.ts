import { join } from 'node:path'
import { REPO_ROOT } from '@shopscope/system'
import { parse } from 'yaml'
import { KUBERNETES_VERSION } from '../../../dev/cluster/render'
import { type RunResult, run, runOk, tool } from '../../../dev/cluster/tools'

/**
 * The upstream charts `make cluster-up` installs, rendered offline from their packaged .tgz files.
 * The directory and the operator's values arguments come from scripts/cluster/lib.sh itself, so
 * the test renders exactly what cluster-up installs.
 */
export const LIB = join(REPO_ROOT, 'scripts', 'cluster', 'lib.sh')

function fromLib(script: string): string[] {
  const result = run('bash', ['-c', `. "${LIB}" && ${script}`])
  if (result.status !== 0) throw new Error(`scripts/cluster/lib.sh: ${result.stderr}`)
  return result.stdout.split('\n').filter((line) => line !== '')
}

/** CHARTS_DIR, else ../shared/charts next to the checkout (lib.sh charts_dir). */
export function chartsDir(): string {
  const [dir] = fromLib('charts_dir')
  if (!dir) {
    throw new Error(
      'no packaged upstream charts: set CHARTS_DIR to a directory holding ' +
        'opentelemetry-operator-<version>.tgz and kube-prometheus-stack-<version>.tgz, ' +
        `or put them in ${join(REPO_ROOT, '..', 'shared', 'charts')}`,
    )
  }
  return dir
}

/** The packaged chart `<name>-<version>.tgz` (lib.sh chart_source). */
export function chartPath(name: string, version: string): string {
  const [path] = fromLib(`chart_source ${name} unused ${version} && echo "\${CHART[0]}"`)
  if (!path?.endsWith('.tgz')) throw new Error(`no packaged ${name} chart: ${chartsDir()}`)
  return path
}

/** `helm upgrade --install` values arguments of the operator release (lib.sh operator_values). */
export function operatorValuesArgs(): string[] {
  return fromLib('operator_values && printf "%s\\n" "${OPERATOR_VALUES[@]}"')
}

export interface ChartMetadata {
  name: string
  version: string
  appVersion: string
}

export function chartMetadata(chart: string): ChartMetadata {
  return parse(runOk(tool('helm'), ['show', 'chart', chart])) as ChartMetadata
}

/** `helm template` of an upstream chart at the Kubernetes version we validate against. */
export function templateUpstream(
  release: string,
  chart: string,
  namespace: string,
  args: string[],
): RunResult {
  return run(tool('helm'), [
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
