/** Shared by the stand-in tests: the rendered platform and charts, and buildah helpers. */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { NAMESPACES, REPO_ROOT } from '@shopscope/system'
import {
  type K8sObject,
  VERSIONS,
  parseObjects,
  readObjects,
  synthPlatform,
} from '../../../dev/cluster/render'
import { chartPath, operatorValuesArgs, templateUpstream } from '../../platform/lib/upstream-charts'

export const BUILD = join(REPO_ROOT, 'scripts', 'images', 'standins', 'build.sh')
export const pin = (key: string): string => {
  const value = VERSIONS[key]
  if (!value) throw new Error(`versions.env: ${key} is not pinned`)
  return value
}
export const bare = (version: string) => version.replace(/^v/, '')

export const rendered = (release: string, chart: string, namespace: string, args: string[]) => {
  const result = templateUpstream(release, chart, namespace, args)
  assert.equal(result.code, 0, result.stderr)
  return parseObjects(result.stdout)
}
export const one = (objects: K8sObject[], kind: string, name: RegExp): K8sObject => {
  const found = objects.filter((o) => o.kind === kind && name.test(o.metadata.name))
  assert.equal(found.length, 1, `${kind} ${name}: ${found.map((o) => o.metadata.name)}`)
  return found[0]!
}
export const firstImage = (workload: K8sObject): string =>
  (workload.spec.template.spec.containers as { image: string }[])[0]!.image

export interface MySqlWorkload {
  image: string
  runAsUser: number
  args: string[]
}
/** The MySQL StatefulSets of the synthesized platform: one image, one runAsUser, one args. */
export function mysqlWorkloads(objects: K8sObject[]): MySqlWorkload {
  const sets = objects.filter(
    (o) => o.kind === 'StatefulSet' && o.metadata.labels?.['app.kubernetes.io/name'] === 'mysql',
  )
  assert.ok(sets.length > 0, 'no MySQL StatefulSet synthesized')
  const images = new Set(sets.map(firstImage))
  const users = new Set(sets.map((o) => o.spec.template.spec.securityContext?.runAsUser as number))
  assert.equal(images.size, 1, [...images].join(' '))
  assert.equal(users.size, 1, [...users].join(' '))
  const args = new Set(sets.map((o) => JSON.stringify(o.spec.template.spec.containers[0].args)))
  assert.equal(args.size, 1, [...args].join(' '))
  return {
    image: [...images][0]!,
    runAsUser: [...users][0]!,
    args: JSON.parse([...args][0]!) as string[],
  }
}

let mysqlMemo: MySqlWorkload | undefined
export const mysql = () => (mysqlMemo ??= mysqlWorkloads(platform().objects))

let platformMemo: { dir: string; objects: K8sObject[] } | undefined
/** The synthesized cdk8s manifests (one synthesis for the whole file). */
export function platform() {
  if (!platformMemo) {
    const synth = synthPlatform()
    platformMemo = { dir: synth.dir, objects: readObjects(synth.files) }
  }
  return platformMemo
}
let inBoxMemo: K8sObject[] | undefined
/** The in-box synthesis (LOGS_BACKEND=victorialogs, as dev/cluster/kind.ts sets it). */
export function inBoxPlatform(): K8sObject[] {
  return (inBoxMemo ??= readObjects(synthPlatform('victorialogs').files))
}

export interface Rendered {
  kps: K8sObject[]
  otel: K8sObject[]
}
let renderedMemo: Rendered | undefined
/** The two upstream charts, rendered with the values `make cluster-up` installs them with. */
export function upstream(): Rendered {
  if (renderedMemo) return renderedMemo
  const valuesFile = join(platform().dir, 'kube-prometheus-stack-values.yaml')
  const kps = rendered(
    'kps',
    chartPath('kube-prometheus-stack', pin('KUBE_PROMETHEUS_STACK_CHART_VERSION')),
    NAMESPACES.observability,
    ['--values', valuesFile],
  )
  const otel = rendered(
    'opentelemetry-operator',
    chartPath('opentelemetry-operator', pin('OTEL_OPERATOR_CHART_VERSION')),
    'opentelemetry-operator-system',
    operatorValuesArgs(),
  )
  renderedMemo = { kps, otel }
  return renderedMemo
}

export const containers = (workload: K8sObject) =>
  workload.spec.template.spec.containers as {
    image: string
    args?: string[]
    env?: { name: string; value?: string }[]
  }[]
/** `--<flag>=<value>` among a workload's first container's args. */
export const flag = (workload: K8sObject, name: string): string =>
  containers(workload)[0]!
    .args?.find((a) => a.startsWith(`--${name}=`))
    ?.split('=')[1] ?? `no --${name}`

/**
 * The plugins of kubeadm's default Corefile, which kind's nodes run: the directives of its server
 * block in the CoreDNSConfigMap template of KUBERNETES_VERSION's
 * cmd/kubeadm/app/phases/addons/dns/manifests.go (the k8s.io/kubernetes module, downloaded by the
 * node image's build), sorted.
 */
export function corefileDirectives(): string[] {
  const module = `k8s.io/kubernetes@v${bare(pin('KUBERNETES_VERSION'))}`
  const download = spawnSync('go', ['mod', 'download', '-json', module], { encoding: 'utf8' })
  assert.equal(
    download.status,
    0,
    `go mod download ${module}: ${download.stderr}${download.stdout}`,
  )
  const dir = (JSON.parse(download.stdout) as { Dir: string }).Dir
  const file = join(dir, 'cmd', 'kubeadm', 'app', 'phases', 'addons', 'dns', 'manifests.go')
  const configMap = /^\tCoreDNSConfigMap = `([^`]*)`/m.exec(readFileSync(file, 'utf8'))?.[1] ?? ''
  const corefile = configMap.slice(Math.max(0, configMap.indexOf('Corefile: |')))
  // Directives 8 spaces in (4 of the ConfigMap, 4 of the block); sub-directives are further in.
  const directives = [...corefile.matchAll(/^ {8}([a-z][a-z0-9_]*)\b/gm)].map((m) => m[1]!)
  assert.ok(directives.length > 0, `no Corefile in the CoreDNSConfigMap of ${file}`)
  return [...new Set(directives)].sort()
}

/** kube-prometheus-stack's admission-webhook certificate Jobs (helm hooks): create, then patch. */
export function certgenJobs(): K8sObject[] {
  const jobs = upstream().kps.filter(
    (o) => o.kind === 'Job' && /-admission-(create|patch)$/.test(o.metadata.name),
  )
  assert.equal(jobs.length, 2, jobs.map((o) => o.metadata.name).join(' '))
  const isCreate = (job: K8sObject) => Number(job.metadata.name.endsWith('-create'))
  return jobs.sort((a, b) => isCreate(b) - isCreate(a))
}

/** The image names the charts render with our values, and the ones versions.env names. */
export function referencedImages(): Record<string, string> {
  const { kps, otel } = upstream()
  const objects = platform().objects
  const operator = one(kps, 'Deployment', /-operator$/)
  // One collector image: our OpenTelemetryCollector's, which is also the operator's default.
  const collector = one(objects, 'OpenTelemetryCollector', /./).spec.image as string
  const operatorDefault = flag(
    one(otel, 'Deployment', /opentelemetry-operator$/),
    'collector-image',
  )
  return {
    prometheus: one(kps, 'Prometheus', /./).spec.image,
    alertmanager: one(kps, 'Alertmanager', /./).spec.image,
    'prometheus-operator': firstImage(operator),
    'prometheus-config-reloader': flag(operator, 'prometheus-config-reloader'),
    'kube-state-metrics': firstImage(one(kps, 'Deployment', /kube-state-metrics$/)),
    'node-exporter': firstImage(one(kps, 'DaemonSet', /node-exporter$/)),
    'opentelemetry-operator': firstImage(one(otel, 'Deployment', /opentelemetry-operator$/)),
    'opentelemetry-collector':
      collector === operatorDefault
        ? collector
        : `CR ${collector}, operator default ${operatorDefault}`,
    'kube-webhook-certgen': [...new Set(certgenJobs().map(firstImage))].join(' '),
    jaeger: firstImage(one(objects, 'Deployment', /^jaeger$/)),
    victorialogs: firstImage(one(inBoxPlatform(), 'StatefulSet', /^victoria-logs$/)),
    locust: firstImage(one(objects, 'Job', /^shop-load$/)),
    busybox: pin('BUSYBOX_IMAGE'),
    pause: pin('PAUSE_IMAGE'),
    coredns: pin('COREDNS_IMAGE'),
    mysql: mysql().image,
  }
}

export type Runner = (command: string[], options?: string[]) => string
export const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export const scratch = mkdtempSync(join(tmpdir(), 'standins-'))
chmodSync(scratch, 0o755)
after(() => rmSync(scratch, { recursive: true, force: true }))
/** A directory of the given files, readable by every user, to mount into a container. */
export function mountable(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name)
  mkdirSync(dir, { mode: 0o755 })
  for (const [file, text] of Object.entries(files))
    writeFileSync(join(dir, file), text, { mode: 0o644 })
  return dir
}
/** `buildah run` options: the env of a container spec (literal values; others a placeholder). */
export const envOptions = (env: { name: string; value?: string }[] = []) =>
  env.flatMap((e) => ['--env', `${e.name}=${e.value ?? 'from-pod'}`])

export const buildah = (args: string[]) =>
  spawnSync('buildah', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })

export interface Config {
  User?: string
  Entrypoint?: string[]
  Cmd?: string[]
  Labels?: Record<string, string>
}
export function config(image: string): Config {
  const inspected = buildah(['inspect', '--type', 'image', image])
  assert.equal(
    inspected.status,
    0,
    `${image} is not built: run \`make standins\` (scripts/images/standins/build.sh)`,
  )
  return (JSON.parse(inspected.stdout) as { OCIv1: { config: Config } }).OCIv1.config
}
