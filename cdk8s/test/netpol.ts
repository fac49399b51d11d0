import type { Obj } from './fixtures'

/** A connection's source: a pod (namespace, labels, pod IP) or an address outside the cluster. */
export type Source =
  | { readonly namespace: string; readonly labels: Record<string, string>; readonly ip: string }
  | { readonly ip: string }
export interface Destination {
  readonly namespace: string
  readonly labels: Record<string, string>
}

type Selector = { matchLabels?: Record<string, string> }
type PolicyPeer = {
  podSelector?: Selector
  namespaceSelector?: Selector
  ipBlock?: { cidr: string; except?: string[] }
}
type IngressRule = { from?: PolicyPeer[]; ports?: { port: number | string }[] }

const selects = (selector: Selector | undefined, labels: Record<string, string>) =>
  Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value)

const toInt = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0)
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string]
  const size = 2 ** (32 - Number(bits))
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base) / size)
}

function peerAdmits(peer: PolicyPeer, src: Source, namespace: string): boolean {
  if (peer.ipBlock)
    return (
      inCidr(src.ip, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((cidr) => inCidr(src.ip, cidr))
    )
  if (!('namespace' in src)) return false
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': src.namespace })
    : src.namespace === namespace
  return namespaceOk && selects(peer.podSelector, src.labels)
}

/**
 * Whether the NetworkPolicies let `src` open a TCP connection to `dst`:`port`, by the
 * Kubernetes semantics of ingress rules (a pod no policy selects admits everything; a selected
 * pod admits what at least one rule of one selecting policy allows). Numeric ports only.
 */
export function admits(policies: Obj[], src: Source, dst: Destination, port: number): boolean {
  const selecting = policies.filter(
    (p) =>
      p.kind === 'NetworkPolicy' &&
      p.metadata.namespace === dst.namespace &&
      (p.spec.policyTypes ?? ['Ingress']).includes('Ingress') &&
      selects(p.spec.podSelector, dst.labels),
  )
  if (selecting.length === 0) return true
  return selecting.some((p) =>
    ((p.spec.ingress ?? []) as IngressRule[]).some(
      (rule) =>
        (rule.ports === undefined || rule.ports.some((p) => p.port === port)) &&
        (rule.from === undefined ||
          rule.from.length === 0 ||
          rule.from.some((peer) => peerAdmits(peer, src, dst.namespace))),
    ),
  )
}
