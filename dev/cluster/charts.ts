// The upstream charts cluster-up installs, and where each comes from: the packaged .tgz (unchanged
// from its public repository) of CHARTS_DIR or ../shared/charts on machines that reach no chart
// repository, else the repository itself. The platform checks render them through the same code.
import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { NAMESPACES, REPO_ROOT, type Versions, pinned } from '@shopscope/system'

export type UpstreamChart = {
  release: string
  chart: string
  repository: string
  namespace: string
  /** The versions.env key that pins it. */
  versionKey: string
}

export const OPERATOR_CHART: UpstreamChart = {
  release: 'opentelemetry-operator',
  chart: 'opentelemetry-operator',
  repository: 'https://open-telemetry.github.io/opentelemetry-helm-charts',
  namespace: NAMESPACES.operator,
  versionKey: 'OTEL_OPERATOR_CHART_VERSION',
}

export const KPS_CHART: UpstreamChart = {
  release: 'kps',
  chart: 'kube-prometheus-stack',
  repository: 'https://prometheus-community.github.io/helm-charts',
  namespace: NAMESPACES.observability,
  versionKey: 'KUBE_PROMETHEUS_STACK_CHART_VERSION',
}

/** CHARTS_DIR when set (it must exist), else ../shared/charts next to the checkout if it exists. */
export function chartsDir(env = process.env, root = REPO_ROOT): string | undefined {
  if (env.CHARTS_DIR) {
    const dir = resolve(env.CHARTS_DIR)
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new Error(`CHARTS_DIR=${env.CHARTS_DIR} is not a directory`)
    return dir
  }
  const shared = resolve(root, '..', 'shared', 'charts')
  return existsSync(shared) ? shared : undefined
}

/** `helm upgrade --install`'s chart arguments: the packaged .tgz where there is a directory. */
export function chartSource(
  chart: Pick<UpstreamChart, 'chart' | 'repository'>,
  version: string,
  env = process.env,
  root = REPO_ROOT,
): string[] {
  const dir = chartsDir(env, root)
  if (!dir) return [chart.chart, '--repo', chart.repository, '--version', version]
  const file = join(dir, `${chart.chart}-${version}.tgz`)
  if (!existsSync(file))
    throw new Error(
      `${dir} has no ${chart.chart}-${version}.tgz (unset CHARTS_DIR to install online)`,
    )
  return [file]
}

/**
 * The operator release's values: the file, plus the default image of collectors whose CR names
 * none, from versions.env (a YAML file cannot read it). Our Collector CR pins the same image.
 */
export function operatorValuesArgs(versions: Versions): string[] {
  const image = pinned(versions, 'OTELCOL_CONTRIB_IMAGE')
  const colon = image.lastIndexOf(':')
  return [
    '--values',
    join(REPO_ROOT, 'operator-config', 'opentelemetry-operator-values.yaml'),
    '--set-string',
    `manager.collectorImage.repository=${image.slice(0, colon)}`,
    '--set-string',
    `manager.collectorImage.tag=${image.slice(colon + 1)}`,
  ]
}
