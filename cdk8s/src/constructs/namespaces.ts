import { Construct } from 'constructs'
import { manifest } from '../api'

export interface NamespacesProps {
  /** Namespaces to create. */
  readonly names: readonly string[]
  /** Pod Security Standard enforced in every one of them (restricted unless a pod needs more). */
  readonly podSecurity: 'restricted' | 'baseline' | 'privileged'
}

/** The namespaces of the stack, with Pod Security admission labels. */
export class Namespaces extends Construct {
  constructor(scope: Construct, id: string, props: NamespacesProps) {
    super(scope, id)
    for (const name of props.names) {
      manifest(this, name, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name,
          labels: {
            'app.kubernetes.io/part-of': 'shopscope',
            'pod-security.kubernetes.io/enforce': props.podSecurity,
            'pod-security.kubernetes.io/warn': 'restricted',
          },
        },
      })
    }
  }
}
