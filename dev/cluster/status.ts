// `cluster status`: what runs in the kind cluster: nodes, Helm releases, each namespace's pods.
import { NAMESPACES } from '@shopscope/system'
import { CLUSTER } from './kind'
import { clusterAnswers, helmShow, kubectlShow } from './kube'

export async function status(): Promise<void> {
  if (!(await clusterAnswers()))
    throw new Error(`no kind cluster ${CLUSTER} answers: make cluster-up`)
  await kubectlShow('get', 'nodes', '-o', 'wide')
  await helmShow('list', '--all-namespaces')
  for (const namespace of Object.values(NAMESPACES)) {
    process.stdout.write(`\n${namespace}:\n`)
    await kubectlShow('-n', namespace, 'get', 'pods', '-o', 'wide')
  }
}
