// What the node-failure scenario reads of the cluster beyond kube.ts: workers, budgets, owners.
import { type Node, type Pod, kubectl } from '../../cluster/kube'

export type PodDisruptionBudget = {
  metadata: { name: string; labels?: Record<string, string> }
  status: { currentHealthy?: number; desiredHealthy?: number; disruptionsAllowed?: number }
}

export const terminating = (pod: Pod) => pod.metadata.deletionTimestamp !== undefined

export const isWorker = (node: Node) =>
  !Object.keys(node.metadata.labels ?? {}).includes('node-role.kubernetes.io/control-plane')

/** The StatefulSet a pod belongs to, if any. */
export const statefulSetOf = (pod: Pod) =>
  pod.metadata.ownerReferences?.find((o) => o.kind === 'StatefulSet')?.name

export async function node(name: string): Promise<Node> {
  return JSON.parse(await kubectl('get', 'node', name, '-o', 'json')) as Node
}
