// What the whole-system cluster tests share: the kind cluster of `make cluster-up` (brought up
// when it does not answer), kubectl and helm as dev/cluster/kube.ts runs them, where its NodePorts
// answer, and the objects the repo deployed (cdk8s/dist).
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import {
  NAMESPACES as SYSTEM_NAMESPACES,
  SERVICE_NAMES,
  cacheDir,
  readVersions,
} from '@shopscope/system'
import { parseAllDocuments } from 'yaml'
import {
  CLUSTER,
  CONTEXT,
  engine,
  nodeUrl as kindNodeUrl,
  withEngine,
} from '../../dev/cluster/kind'
import {
  HELM,
  KUBECTL,
  type Pod,
  clusterAnswers,
  kubectlResult,
  pods,
  podReady,
} from '../../dev/cluster/kube'
import { run } from '../../dev/cluster/run'

export { CLUSTER, CONTEXT, HELM, KUBECTL, type Pod, pods }
export type { Container } from '../../dev/cluster/kube'
export const ROOT = join(__dirname, '..', '..')
export const VERSIONS = readVersions()
export const CACHE = cacheDir()
export const RUN_DIR = process.env.CLUSTER_RUN_DIR ?? join(ROOT, '.run', 'cluster')
export const NAMESPACES: readonly string[] = Object.values(SYSTEM_NAMESPACES)
export const SERVICES: readonly string[] = SERVICE_NAMES
export const env = { ...process.env }

/** kubectl's output; a failure fails the test with what it printed. */
export async function kubectl(...args: string[]): Promise<string> {
  const r = await kubectlResult(...args)
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

export async function kubectlJson<T>(...args: string[]): Promise<T> {
  return JSON.parse(await kubectl(...args, '-o', 'json')) as T
}

export const ready = podReady

/** The `before` of every file: root, and the cluster of `make cluster-up`, brought up if absent. */
export async function useCluster(): Promise<void> {
  assert.equal(process.getuid?.(), 0, 'root only (the cluster runs as root)')
  if (await clusterAnswers()) return
  const started = Date.now()
  const up = await run('make', ['--no-print-directory', 'cluster-up'], { ...process.env })
  assert.equal(up.code, 0, `make cluster-up: ${up.stdout.slice(-3000)}${up.stderr.slice(-3000)}`)
  console.log(`# brought up by this test in ${((Date.now() - started) / 1000).toFixed(0)} s`)
}

/** The container engine the kind nodes run on (dev/cluster/kind.ts decides), given `args`. */
export function nodeEngine(args: string[]) {
  const which = engine()
  const [command, argv] = withEngine(which, which, args)
  return run(command, argv, env)
}

export async function currentContext(): Promise<string> {
  return CONTEXT
}

/** http://127.0.0.1:<host port>: a NodePort through kind-config.yaml's port mapping. */
export async function nodeUrl(nodePort: number): Promise<string> {
  return kindNodeUrl(nodePort)
}

/** The Service of a shop service (by the chart's component label): `<name>.shop:<port>`. */
export async function shopService(component: string): Promise<{ host: string; port: number }> {
  const list = await kubectlJson<{
    items: { metadata: { name: string }; spec: { ports: { port: number }[] } }[]
  }>('-n', 'shop', 'get', 'services', '-l', `app.kubernetes.io/component=${component}`)
  const svc = list.items[0]
  assert.ok(svc, `a Service of ${component}`)
  return { host: `${svc.metadata.name}.shop.svc.cluster.local`, port: svc.spec.ports[0]!.port }
}

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }

/** The objects of cdk8s/dist (what `make cluster-up` synthesized and applied) of one kind. */
export function deployed<T extends Manifest>(kind: string): T[] {
  const dir = join(ROOT, 'cdk8s', 'dist')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.k8s.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS()))
    .filter((o: Manifest | null): o is T => o?.kind === kind)
}
