// The cluster as the scenario reads it: kubectl of make's CLUSTER_ACCESS (KUBECTL, KUBE_CONTEXT),
// the objects it looks at, and which pod runs where.
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { cacheDir, pinned, readVersions } from '@shopscope/system'
import { run } from '../../cluster/run'

/** KUBECTL when it is found, else the pinned kubectl the cluster scripts put on their PATH. */
function kubectlBinary(): string {
  const wanted = process.env.KUBECTL || 'kubectl'
  const onPath = (name: string) =>
    name.includes('/')
      ? existsSync(name)
      : (process.env.PATH ?? '').split(delimiter).some((dir) => existsSync(join(dir, name)))
  if (onPath(wanted)) return wanted
  const version = pinned(readVersions(), 'KUBERNETES_VERSION')
  return join(cacheDir(), `kubernetes-v${version.replace(/^v/, '')}`, 'bin', 'kubectl')
}

const KUBECTL = kubectlBinary()
export const CONTEXT = process.env.KUBE_CONTEXT || 'kind-shopscope'

export async function kubectl(...args: string[]): Promise<string> {
  const result = await run(KUBECTL, ['--context', CONTEXT, ...args], process.env)
  if (result.code !== 0)
    throw new Error(`kubectl ${args.join(' ')}: ${result.stderr.trim() || `exit ${result.code}`}`)
  return result.stdout
}

export async function list<T>(...args: string[]): Promise<T[]> {
  return (JSON.parse(await kubectl('get', ...args, '-o', 'json')) as { items: T[] }).items
}

type Meta = { name: string; namespace?: string; labels?: Record<string, string> }

export type Node = {
  metadata: Meta
  status: { conditions?: { type: string; status: string }[] }
}

export type Pod = {
  metadata: Meta & {
    deletionTimestamp?: string
    ownerReferences?: { kind: string; name: string }[]
  }
  spec: { nodeName?: string }
  status: { phase: string; conditions?: { type: string; status: string }[] }
}

export type Deployment = {
  metadata: Meta
  spec: { replicas?: number }
  status: { availableReplicas?: number }
}

export type PodDisruptionBudget = {
  metadata: Meta
  status: { currentHealthy?: number; desiredHealthy?: number; disruptionsAllowed?: number }
}

export const nodeReady = (node: Node) =>
  node.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True'

/** Ready, or a finished Job's pod. */
export const podReady = (pod: Pod) =>
  pod.status.phase === 'Succeeded' ||
  (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')

export const terminating = (pod: Pod) => pod.metadata.deletionTimestamp !== undefined

export const isWorker = (node: Node) =>
  !Object.keys(node.metadata.labels ?? {}).includes('node-role.kubernetes.io/control-plane')

/** The StatefulSet a pod belongs to, if any. */
export const statefulSetOf = (pod: Pod) =>
  pod.metadata.ownerReferences?.find((o) => o.kind === 'StatefulSet')?.name

export async function node(name: string): Promise<Node> {
  return JSON.parse(await kubectl('get', 'node', name, '-o', 'json')) as Node
}
