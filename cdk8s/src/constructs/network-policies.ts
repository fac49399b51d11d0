import { Construct } from 'constructs'
import { manifest } from '../api'

/** Who may connect: pods (of a namespace, else the policy's own), or addresses. */
export type Peer =
  | { readonly namespace?: string; readonly pods: Readonly<Record<string, string>> }
  | { readonly outside: string }

export interface IngressRule {
  /** Undefined: from anywhere (only for what the API server calls: it is not a pod). */
  readonly from?: readonly Peer[]
  readonly ports: readonly number[]
}

export interface IngressAllowListProps {
  readonly namespace: string
  readonly name: string
  /** Labels of the pods the rules open. */
  readonly pods: Readonly<Record<string, string>>
  readonly rules: readonly IngressRule[]
}

const peer = (p: Peer) =>
  'outside' in p
    ? { ipBlock: { cidr: '0.0.0.0/0', except: [p.outside] } }
    : {
        ...(p.namespace === undefined
          ? {}
          : { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': p.namespace } } }),
        podSelector: { matchLabels: { ...p.pods } },
      }

/** No connection into any pod of the namespace unless an allow-list below opens it. */
export class DefaultDenyIngress extends Construct {
  constructor(scope: Construct, id: string, props: { readonly namespace: string }) {
    super(scope, id)
    manifest(this, 'policy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny-ingress', namespace: props.namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    })
  }
}

/** The callers of some pods, each on its ports: everything else stays denied. */
export class IngressAllowList extends Construct {
  constructor(scope: Construct, id: string, props: IngressAllowListProps) {
    super(scope, id)
    manifest(this, 'policy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${props.name}-ingress`, namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: { ...props.pods } },
        policyTypes: ['Ingress'],
        ingress: props.rules.map((rule) => ({
          ...(rule.from === undefined ? {} : { from: rule.from.map(peer) }),
          ports: rule.ports.map((port) => ({ port, protocol: 'TCP' as const })),
        })),
      },
    })
  }
}
