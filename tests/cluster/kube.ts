// What the whole-system cluster tests share: the kind cluster of `make cluster-up` (brought up
// when it does not answer), kubectl of the pinned release, helm of .tools, where its NodePorts
// answer (kind's port mappings on 127.0.0.1), and the objects the repo deployed (cdk8s/dist).
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import {
  NAMESPACES as SYSTEM_NAMESPACES,
  SERVICE_NAMES,
  cacheDir,
  pinned,
  readVersions,
} from '@shopscope/system'
import { parseAllDocuments, parseDocument } from 'yaml'
import { run } from '../../dev/cluster/run'

export const ROOT = join(__dirname, '..', '..')
export const VERSIONS = readVersions()
const KUBERNETES_VERSION = `v${pinned(VERSIONS, 'KUBERNETES_VERSION').replace(/^v/, '')}`
export const CACHE = cacheDir()
const BUILT_KUBECTL = join(CACHE, `kubernetes-${KUBERNETES_VERSION}`, 'bin', 'kubectl')
/** kubectl of the pinned release where this machine built one (the kind node image's build). */
export const KUBECTL = existsSync(BUILT_KUBECTL) ? BUILT_KUBECTL : 'kubectl'
const KIND_CONFIG = parseDocument(readFileSync(join(ROOT, 'kind-config.yaml'), 'utf8')).toJS() as {
  name: string
  nodes: {
    extraPortMappings?: { containerPort: number; hostPort: number; listenAddress?: string }[]
  }[]
}
/** The cluster of kind-config.yaml: its name (its nodes are `<name>-…`) and kind's context. */
export const CLUSTER = KIND_CONFIG.name
export const CONTEXT = `kind-${CLUSTER}`
export const HELM = join(ROOT, '.tools', 'bin', 'helm')
export const RUN_DIR = process.env.CLUSTER_RUN_DIR ?? join(ROOT, '.run', 'cluster')
export const NAMESPACES: readonly string[] = Object.values(SYSTEM_NAMESPACES)
export const SERVICES: readonly string[] = SERVICE_NAMES
export const env = { ...process.env }

export type Container = {
  name: string
  image: string
  command?: string[]
  env?: { name: string; value?: string }[]
  volumeMounts?: { name: string; mountPath: string }[]
}
export type Pod = {
  metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string> }
  spec: { nodeName?: string; initContainers?: Container[]; containers: Container[] }
  status: {
    phase: string
    conditions?: { type: string; status: string }[]
    containerStatuses?: { name: string; containerID?: string }[]
  }
}

export async function kubectl(...args: string[]): Promise<string> {
  const r = await run(KUBECTL, ['--context', CONTEXT, ...args], env)
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

export async function kubectlJson<T>(...args: string[]): Promise<T> {
  return JSON.parse(await kubectl(...args, '-o', 'json')) as T
}

export async function pods(namespace: string, selector?: string): Promise<Pod[]> {
  const args = ['-n', namespace, 'get', 'pods', ...(selector ? ['-l', selector] : [])]
  return (await kubectlJson<{ items: Pod[] }>(...args)).items
}

export const ready = (p: Pod) =>
  p.status.phase === 'Succeeded' ||
  (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')

async function clusterAnswers() {
  return (await run(KUBECTL, ['--context', CONTEXT, 'get', '--raw', '/readyz'], env)).code === 0
}

/** The `before` of every file: root, and the cluster of `make cluster-up`, brought up if absent. */
export async function useCluster(): Promise<void> {
  assert.equal(process.getuid?.(), 0, 'root only (the cluster runs as root)')
  if (await clusterAnswers()) return
  const started = Date.now()
  const up = await run('make', ['--no-print-directory', 'cluster-up'], { ...process.env })
  assert.equal(up.code, 0, `make cluster-up: ${up.stdout.slice(-3000)}${up.stderr.slice(-3000)}`)
  console.log(`# brought up by this test in ${((Date.now() - started) / 1000).toFixed(0)} s`)
}

/**
 * The container engine the kind nodes run on (docker, or podman with the project's configuration:
 * scripts/cluster/lib.sh decides, as for make cluster-up), given `args`.
 */
export function nodeEngine(args: string[]) {
  const script = `. "${join(ROOT, 'scripts', 'cluster', 'lib.sh')}" >/dev/null && exec "$KIND_ENGINE" "$@"`
  return run('bash', ['-c', script, 'engine', ...args], env)
}

export async function currentContext(): Promise<string> {
  return CONTEXT
}

/**
 * http://127.0.0.1:<host port>: a NodePort as this machine reaches it, through the port mapping
 * kind-config.yaml gives it (the traffic rule: load and faults reach the cluster on loopback).
 */
export async function nodeUrl(nodePort: number): Promise<string> {
  const mapping = KIND_CONFIG.nodes
    .flatMap((n) => n.extraPortMappings ?? [])
    .find((m) => m.containerPort === nodePort)
  assert.ok(mapping, `kind-config.yaml maps node port ${nodePort} to a port of this machine`)
  return `http://${mapping.listenAddress ?? '127.0.0.1'}:${mapping.hostPort}`
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
