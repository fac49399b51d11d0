// `load cluster`: the Locust scenario as the in-cluster Job cdk8s builds (the load-test chart),
// its logs followed, and its verdict: the locustfile exits non-zero when a threshold is crossed,
// and the Job does not retry. A Job's pod template is immutable: the previous run goes first.
import { App } from 'cdk8s'
import { NAMESPACES, REPO_ROOT } from '@shopscope/system'
import { readInputs } from '../../cdk8s/src/inputs'
import { buildPlatform } from '../../cdk8s/src/platform'
import { kubectl, kubectlShow, kubectlStdin } from './kube'
import { say } from './steps'

type Container = { env?: { name: string; value?: string }[] }
type Manifest = {
  kind: string
  metadata: { name: string }
  spec?: { template: { spec: { containers: Container[] } } }
}

/** The load-test chart's objects; LOAD_SCALE (1 = the seed report's 2.5 minutes) when given. */
export function loadJobObjects(scale?: string): Manifest[] {
  const platform = buildPlatform(new App({ outdir: '/nonexistent' }), readInputs(REPO_ROOT))
  if (!platform.loadTest) throw new Error('the platform has no load-test chart')
  const objects = platform.loadTest.toJson() as Manifest[]
  if (scale !== undefined) {
    for (const container of objects.flatMap((o) => o.spec?.template.spec.containers ?? []))
      for (const variable of container.env ?? [])
        if (variable.name === 'LOAD_SCALE') variable.value = scale
  }
  return objects
}

export async function loadJob(env = process.env): Promise<void> {
  const objects = loadJobObjects(env.LOAD_SCALE || undefined)
  const job = objects.find((o) => o.kind === 'Job')?.metadata.name
  if (!job) throw new Error('the load-test chart has no Job')
  const ns = ['--namespace', NAMESPACES.shop]
  await kubectlShow(...ns, 'delete', 'job', job, '--ignore-not-found', '--wait=true')
  say(
    await kubectlStdin(
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
      ...ns,
      'apply',
      '-f',
      '-',
    ),
  )
  await kubectlShow(
    ...ns,
    'wait',
    '--for=condition=ready',
    'pod',
    '-l',
    `job-name=${job}`,
    '--timeout=180s',
  )
  await kubectlShow(...ns, 'logs', '-f', `job/${job}`)
  // The Job is complete or failed a moment after its pod exits.
  for (let second = 0; second < 60; second++) {
    const conditions = await kubectl(
      ...ns,
      'get',
      'job',
      job,
      '-o',
      'jsonpath={range .status.conditions[?(@.status=="True")]}{.type} {end}',
    )
    if (conditions.includes('Complete')) {
      say(`load Job ${job}: Complete`)
      return
    }
    if (conditions.includes('Failed'))
      throw new Error(
        `load Job ${job}: Failed (a threshold of dev/traffic/scenario.json was crossed)`,
      )
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  throw new Error(`load Job ${job}: no verdict 60 s after its pod ended`)
}
