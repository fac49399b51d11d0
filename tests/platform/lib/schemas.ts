import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '@shopscope/system'
import { createGenerator } from 'ts-json-schema-generator'

const CACHE_DIR = join(REPO_ROOT, '.cache', 'platform')

/**
 * Strict JSON schemas for kubeconform, generated from the TypeScript types of the npm
 * packages kubernetes-models (Kubernetes 1.33 API) and @kubernetes-models/* (the CRDs we use),
 * which are themselves generated from the upstream OpenAPI documents and CRDs. Interfaces
 * become `additionalProperties: false`, so an unknown or misspelled field is an error.
 * kubernetes-models 5.1.0 is the newest npm release and still carries the 1.33 API: it lags the
 * cluster's 1.37 (KUBERNETES_VERSION, which kubeconform is given but takes its schemas from
 * here). So a field added after 1.33 would be rejected, and one removed after it not caught.
 */
interface KindType {
  apiVersion: string
  kind: string
  /** Module (package subpath) and exported interface holding the kind's type. */
  module: string
  type: string
}

const core = (kind: string, module = `kubernetes-models/v1/${kind}`): KindType => ({
  apiVersion: 'v1',
  kind,
  module,
  type: `I${kind}`,
})
const k8s = (group: string, version: string, kind: string): KindType => ({
  apiVersion: `${group}/${version}`,
  kind,
  module: `kubernetes-models/${group}/${version}/${kind}`,
  type: `I${kind}`,
})
const crd = (pkg: string, group: string, version: string, kind: string): KindType => ({
  apiVersion: `${group}/${version}`,
  kind,
  module: `@kubernetes-models/${pkg}/${group}/${version}/${kind}`,
  type: `I${kind}`,
})

/** Every kind shopscope renders. A kind missing here fails validation (no schema). */
export const KINDS: KindType[] = [
  core('Namespace'),
  core('Service'),
  core('Secret'),
  core('ConfigMap'),
  core('ServiceAccount'),
  core('Pod'),
  k8s('apps', 'v1', 'Deployment'),
  k8s('apps', 'v1', 'StatefulSet'),
  k8s('batch', 'v1', 'Job'),
  k8s('rbac.authorization.k8s.io', 'v1', 'ClusterRole'),
  k8s('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding'),
  k8s('networking.k8s.io', 'v1', 'NetworkPolicy'),
  k8s('autoscaling', 'v2', 'HorizontalPodAutoscaler'),
  k8s('policy', 'v1', 'PodDisruptionBudget'),
  crd('opentelemetry-operator', 'opentelemetry.io', 'v1beta1', 'OpenTelemetryCollector'),
  crd('opentelemetry-operator', 'opentelemetry.io', 'v1alpha1', 'Instrumentation'),
  crd('prometheus-operator', 'monitoring.coreos.com', 'v1', 'ServiceMonitor'),
  crd('prometheus-operator', 'monitoring.coreos.com', 'v1', 'PodMonitor'),
  crd('prometheus-operator', 'monitoring.coreos.com', 'v1', 'PrometheusRule'),
  crd('prometheus-operator', 'monitoring.coreos.com', 'v1alpha1', 'AlertmanagerConfig'),
  // Rendered by the upstream charts (tests/platform/upstream-charts.test.ts) only.
  k8s('apps', 'v1', 'DaemonSet'),
  k8s('rbac.authorization.k8s.io', 'v1', 'Role'),
  k8s('rbac.authorization.k8s.io', 'v1', 'RoleBinding'),
  k8s('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration'),
  k8s('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration'),
  crd('prometheus-operator', 'monitoring.coreos.com', 'v1', 'Prometheus'),
  crd('prometheus-operator', 'monitoring.coreos.com', 'v1', 'Alertmanager'),
  // The kind cluster's add-ons (cdk8s/dist/kind-addons): local-path storage.
  k8s('storage.k8s.io', 'v1', 'StorageClass'),
]

/** kubeconform's file name of a kind's schema: `{{ .ResourceKind }}{{ .KindSuffix }}.json`. */
export function schemaFileName(apiVersion: string, kind: string): string {
  const [groupOrVersion, version] = apiVersion.split('/') as [string, string | undefined]
  const group = groupOrVersion.split('.')[0] as string
  return `${kind.toLowerCase()}-${group.toLowerCase()}${version ? `-${version.toLowerCase()}` : ''}.json`
}

export const SCHEMA_LOCATION_TEMPLATE = '{{ .ResourceKind }}{{ .KindSuffix }}.json'

type Schema = { [key: string]: unknown }

/**
 * Types like the Collector's `config` sections are `{}` (x-kubernetes-preserve-unknown-fields):
 * an object with no declared property accepts any content, it is not "no property allowed".
 */
function openFreeFormObjects(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(openFreeFormObjects)
  if (typeof node !== 'object' || node === null) return
  const schema = node as Schema
  if (schema.type === 'object' && schema.additionalProperties === false && !schema.properties) {
    delete schema.additionalProperties
  }
  Object.values(schema).forEach(openFreeFormObjects)
}

function packageVersion(name: string): string {
  return (
    JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string
    }
  ).version
}

/**
 * The directory of generated schemas, cached by the versions of the type packages, the
 * generator and this file: generation takes seconds, a cache hit nothing.
 */
export function schemaDir(): string {
  const inputs = [
    'kubernetes-models',
    '@kubernetes-models/apimachinery',
    '@kubernetes-models/opentelemetry-operator',
    '@kubernetes-models/prometheus-operator',
    'ts-json-schema-generator',
  ].map((name) => `${name}@${packageVersion(name)}`)
  const hash = createHash('sha256')
    .update(inputs.join('\n'))
    .update(readFileSync(__filename))
    .digest('hex')
    .slice(0, 16)
  const dir = join(CACHE_DIR, `schemas-${hash}`)
  if (existsSync(join(dir, 'complete'))) return dir

  const work = `${dir}.tmp-${process.pid}`
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  // The generator needs a TypeScript entry inside the repository, where node_modules resolves.
  const entry = join(REPO_ROOT, '.cache', `schema-entry-${process.pid}.ts`)
  writeFileSync(
    entry,
    KINDS.map(
      (k, i) =>
        `import type { ${k.type} as T${i} } from '${k.module}'\nexport type Kind${i} = T${i}\n`,
    ).join(''),
  )
  try {
    const generator = createGenerator({
      path: entry,
      tsconfig: join(REPO_ROOT, 'tsconfig.base.json'),
      skipTypeCheck: true,
      // Inline every type: the packages reuse interface names across API groups.
      expose: 'none',
      topRef: false,
      jsDoc: 'none',
      additionalProperties: false,
    })
    KINDS.forEach((k, i) => {
      const schema = generator.createSchema(`Kind${i}`) as Schema
      openFreeFormObjects(schema)
      writeFileSync(join(work, schemaFileName(k.apiVersion, k.kind)), JSON.stringify(schema))
    })
  } finally {
    rmSync(entry, { force: true })
  }
  writeFileSync(join(work, 'complete'), inputs.join('\n'))
  rmSync(dir, { recursive: true, force: true })
  renameSync(work, dir)
  return dir
}
