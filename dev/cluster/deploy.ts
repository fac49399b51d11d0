// The whole system onto the kind cluster: the one copy of the deploy steps, run by `cluster up`
// once the images are on the nodes. Idempotent: every step converges (`helm upgrade --install`,
// `kubectl apply`), so a second run changes nothing that is already right.
import { join } from 'node:path'
import { COLLECTOR, NAMESPACES, REPO_ROOT, pinned, readVersions } from '@shopscope/system'
import { GENERATED_SECRET } from '../../cdk8s/src/security'
import { readInputs } from '../../cdk8s/src/inputs'
import { synth } from '../../cdk8s/src/synth'
import {
  KPS_CHART,
  OPERATOR_CHART,
  type UpstreamChart,
  chartSource,
  operatorValuesArgs,
} from './charts'
import { inBox, logsBackend } from './kind'
import { helmShow, kubectl, kubectlResult, kubectlShow } from './kube'
import { fillGeneratedSecrets } from './secrets'
import { announce, say } from './steps'
import { printUrls } from './urls'

export const DIST = join(REPO_ROOT, 'cdk8s', 'dist')
/** The overlay where Grafana (AGPL, not built here) is left out: the in-box cluster's. */
export const IN_BOX_VALUES = join(__dirname, 'in-box-values.yaml')
/** The app's Helm release (its Services are `<release>-<service>`). */
export const APP_RELEASE = 'shopscope'
export const APP_CHART = join(REPO_ROOT, 'charts', 'shopscope')
export const KIND_VALUES = join(APP_CHART, 'ci', 'kind-values.yaml')

/** `helm upgrade --install` of an upstream chart at its pinned version. */
async function installUpstream(chart: UpstreamChart, values: string[], timeout: string) {
  const source = chartSource(chart, pinned(readVersions(), chart.versionKey))
  say(`chart: ${source[0]}`)
  await helmShow(
    'upgrade',
    '--install',
    chart.release,
    ...source,
    ...values,
    '--namespace',
    chart.namespace,
    '--wait',
    '--timeout',
    timeout,
  )
}

export async function deploy(env = process.env): Promise<void> {
  const versions = readVersions()
  const backend = logsBackend(env)
  announce(`Synthesizing the cdk8s app (logs store: ${backend}) and creating the namespaces`)
  synth(
    readInputs(REPO_ROOT, { ...env, LOGS_BACKEND: backend }),
    DIST,
    env.GRAFANA_ADMIN_PASSWORD || undefined,
  )
  await kubectlShow('apply', '-f', join(DIST, '00-namespaces.k8s.yaml'))

  announce(`OpenTelemetry Operator (chart ${pinned(versions, OPERATOR_CHART.versionKey)})`)
  await installUpstream(OPERATOR_CHART, operatorValuesArgs(versions), '5m')

  announce(`kube-prometheus-stack (chart ${pinned(versions, KPS_CHART.versionKey)})`)
  const kpsValues = ['--values', join(DIST, 'kube-prometheus-stack-values.yaml')]
  if (inBox(env)) {
    kpsValues.push('--values', IN_BOX_VALUES)
    say(`in-box overlay: ${IN_BOX_VALUES} (no Grafana)`)
  }
  await installUpstream(KPS_CHART, kpsValues, '10m')

  announce(
    `Collector, Jaeger, ${backend}, MySQL, ServiceMonitors, rules, dashboards, alert routing (cdk8s)`,
  )
  await kubectlShow('apply', '--server-side', '-f', join(DIST, '10-observability.k8s.yaml'))
  // The Secrets whose values the cluster generates (MySQL's root passwords) first, filled before
  // the pods that read them start.
  const shop = join(DIST, '20-shop.k8s.yaml')
  await kubectlShow(
    'apply',
    '--server-side',
    '--selector',
    `${GENERATED_SECRET.label}=true`,
    '-f',
    shop,
  )
  await fillGeneratedSecrets(NAMESPACES.shop)
  await kubectlShow('apply', '--server-side', '-f', shop)
  for (const namespace of [NAMESPACES.observability, NAMESPACES.shop]) {
    const workloads = await kubectl(
      '-n',
      namespace,
      'get',
      'deployment,statefulset',
      '-l',
      'app.kubernetes.io/managed-by=cdk8s',
      '-o',
      'name',
    )
    for (const workload of workloads.split('\n').filter(Boolean))
      await kubectlShow('-n', namespace, 'rollout', 'status', workload, '--timeout', '5m')
  }
  say('waiting for the operator to roll out the Collector')
  const collector = `deployment/${COLLECTOR.serviceName}`
  while ((await kubectlResult('-n', NAMESPACES.observability, 'get', collector)).code !== 0)
    await new Promise((resolve) => setTimeout(resolve, 2000))
  await kubectlShow(
    '-n',
    NAMESPACES.observability,
    'rollout',
    'status',
    collector,
    '--timeout',
    '5m',
  )

  announce('Instrumentation (operator-config/)')
  await kubectlShow('apply', '-f', join(REPO_ROOT, 'operator-config', 'instrumentation.yaml'))

  announce('The shop (charts/shopscope with ci/kind-values.yaml)')
  await helmShow(
    'upgrade',
    '--install',
    APP_RELEASE,
    APP_CHART,
    '--namespace',
    NAMESPACES.shop,
    '--values',
    KIND_VALUES,
    '--wait',
    '--timeout',
    '10m',
  )
  await helmShow('test', APP_RELEASE, '--namespace', NAMESPACES.shop, '--timeout', '2m')

  announce('Ready')
  printUrls(env)
}
