import { ApiObject } from 'cdk8s'
import type { Construct } from 'constructs'
import type { Manifest } from './k8s-types'

/**
 * A typed ApiObject: the manifest is checked against the kubernetes-models types at compile
 * time, then handed to cdk8s as is (no `cdk8s import`: the build machines are offline).
 */
export function manifest<T extends Manifest>(scope: Construct, id: string, object: T): ApiObject {
  const { metadata, ...rest } = object
  return new ApiObject(scope, id, { ...rest, metadata: metadata as Record<string, never> })
}

/** The recommended app.kubernetes.io labels of a platform component. */
export function componentLabels(name: string, component: string, version?: string) {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'shopscope',
    'app.kubernetes.io/managed-by': 'cdk8s',
    ...(version ? { 'app.kubernetes.io/version': version } : {}),
  }
}

/** Selector labels: the stable subset of componentLabels (selectors are immutable). */
export function selectorLabels(name: string) {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name }
}

/** The tag of an image reference (`repo:tag@sha256:…` → `tag`), for version labels. */
export function imageTag(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image
  const tag = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1).split(':')[1]
  return tag ?? 'latest'
}
