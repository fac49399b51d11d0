import type { Container, PodSpec } from './k8s-types'

/**
 * A Secret synthesized without its values: dev/cluster/deploy.ts gives each key the
 * annotation names (comma-separated) a random value once, and keeps it on every later deploy.
 */
export const GENERATED_SECRET = {
  label: 'shopscope.io/generated-secret',
  keysAnnotation: 'shopscope.io/generate-keys',
} as const

/** Pod-level settings of the restricted Pod Security Standard, for a given uid. */
export function restrictedPod(uid: number): NonNullable<PodSpec['securityContext']> {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  }
}

/** Container-level settings of the restricted Pod Security Standard. */
export function restrictedContainer(
  readOnlyRoot = true,
): NonNullable<Container['securityContext']> {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: readOnlyRoot,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  }
}
