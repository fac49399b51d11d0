// kubectl and helm on the cluster of kind-config.yaml: the pinned releases this machine built
// where it built them, the context of kind's, and the object shapes the commands read.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT, cacheDir, pinned, readVersions } from '@shopscope/system'
import { CONTEXT } from './kind'
import { type Result, run, runInherit } from './run'

/** KUBECTL, else the kubectl of the pinned release this machine built (the node image's), else PATH's. */
export const KUBECTL_BIN_DIR = join(
  cacheDir(),
  `kubernetes-v${pinned(readVersions(), 'KUBERNETES_VERSION').replace(/^v/, '')}`,
  'bin',
)
const BUILT_KUBECTL = join(KUBECTL_BIN_DIR, 'kubectl')
export const KUBECTL =
  process.env.KUBECTL || (existsSync(BUILT_KUBECTL) ? BUILT_KUBECTL : 'kubectl')
/** helm of `make tool-helm`, else PATH's (a laptop's own). */
export const HELM = ((built = join(REPO_ROOT, '.tools', 'bin', 'helm')) =>
  existsSync(built) ? built : 'helm')()

export const kubectlResult = (...args: string[]): Promise<Result> =>
  run(KUBECTL, ['--context', CONTEXT, ...args])

/** kubectl's output; a failure throws with what it printed. */
export async function kubectl(...args: string[]): Promise<string> {
  return checked(args, await kubectlResult(...args))
}

/** kubectl with its output on this process's terminal (progress a person reads). */
export const kubectlShow = (...args: string[]) =>
  runInherit(KUBECTL, ['--context', CONTEXT, ...args])
export const helmShow = (...args: string[]) =>
  runInherit(HELM, ['--kube-context', CONTEXT, ...args])

/**
 * `kubectl patch` with the patch in a file only this user reads, removed after: never on the
 * command line (a Secret's values), and not on stdin, which kubectl opens as /dev/stdin: a
 * socket under Node's child processes, which that cannot open.
 */
export async function kubectlPatch(
  namespace: string,
  target: string,
  type: 'merge' | 'strategic',
  patch: unknown,
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'shopscope-patch-'))
  try {
    const file = join(dir, 'patch.json')
    writeFileSync(file, JSON.stringify(patch), { mode: 0o600 })
    return await kubectl('-n', namespace, 'patch', target, '--type', type, '--patch-file', file)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** kubectl with `input` on its stdin (`-f -`). */
export async function kubectlStdin(input: string, ...args: string[]): Promise<string> {
  return checked(args, await run(KUBECTL, ['--context', CONTEXT, ...args], process.env, input))
}

function checked(args: string[], result: Result): string {
  if (result.code !== 0)
    throw new Error(`kubectl ${args.join(' ')}: ${result.stderr.trim() || `exit ${result.code}`}`)
  return result.stdout
}

export async function kubectlJson<T>(...args: string[]): Promise<T> {
  return JSON.parse(await kubectl(...args, '-o', 'json')) as T
}

/** `kubectl get <args> -o json`'s items. */
export async function list<T>(...args: string[]): Promise<T[]> {
  return (await kubectlJson<{ items: T[] }>('get', ...args)).items
}

/** Whether the API server answers ready. */
export async function clusterAnswers(): Promise<boolean> {
  return (await kubectlResult('get', '--raw', '/readyz')).code === 0
}

type Meta = { name: string; namespace?: string; labels?: Record<string, string> }
type Condition = { type: string; status: string }

export type Container = {
  name: string
  image: string
  command?: string[]
  env?: { name: string; value?: string }[]
  volumeMounts?: { name: string; mountPath: string }[]
}

export type Pod = {
  metadata: Meta & {
    uid: string
    deletionTimestamp?: string
    ownerReferences?: { kind: string; name: string }[]
  }
  spec: { nodeName?: string; initContainers?: Container[]; containers: Container[] }
  status: {
    phase: string
    conditions?: Condition[]
    containerStatuses?: { name: string; containerID?: string }[]
  }
}

export type Node = { metadata: Meta; status: { conditions?: Condition[] } }

export type Deployment = {
  metadata: Meta
  spec: { replicas?: number }
  status: { availableReplicas?: number }
}

/** Ready, or a finished Job's pod. */
export const podReady = (pod: Pod) =>
  pod.status.phase === 'Succeeded' ||
  (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')

export const nodeReady = (node: Node) =>
  node.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True'

export async function pods(namespace: string, selector?: string): Promise<Pod[]> {
  return list<Pod>('pods', '-n', namespace, ...(selector ? ['-l', selector] : []))
}
