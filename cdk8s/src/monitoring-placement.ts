import { NAMESPACES } from '@shopscope/system'
import type { PodSpec } from './k8s-types'
import { UPSTREAM_PODS } from './names'

export type Tolerations = NonNullable<PodSpec['tolerations']>

/**
 * Tolerations of the NoExecute taints the node controller puts on a node that is not ready or
 * unreachable, for `seconds` (PlatformInputs.nodeFailureTolerationSeconds, the app chart's value)
 * instead of the 300 s Kubernetes adds by default: the same list the chart gives the shop's pods
 * (charts/shopscope/templates/deployment.yaml).
 *
 * For the single-replica Deployments of the tracing path, the Collector and Jaeger: on a lost node
 * they would otherwise stay bound to it for 5 minutes, and every trace of that time is lost, while
 * the shop's pods are already running elsewhere. Not for Prometheus, Alertmanager and
 * kube-state-metrics (see besidePrometheus).
 */
export function nodeFailureTolerations(seconds: number): Tolerations {
  return ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: seconds,
  }))
}

/**
 * Required podAffinity to the Prometheus pod: the pod is scheduled only on the node Prometheus
 * runs on (and waits, Pending, until Prometheus is scheduled).
 *
 * Why: every part of the alerting path runs one replica — Prometheus, Alertmanager,
 * kube-state-metrics (which reports a node's Ready condition) and the alert receiver. Spread over
 * the nodes, each would be a failure domain of its own: a lost node would take any one of them,
 * and with it the alert about that very node (NodeNotReady), for as long as the replacement takes.
 * On one node together they are a single failure domain: a node failure takes all of them or
 * none, and the failure of any node but theirs is seen, alerted and delivered
 * (`make chaos-node` stops the worker that does not host Prometheus). The loss of their own node
 * is what Alertmanager's Watchdog (its absence at the receiving end) is for.
 */
export function besidePrometheus() {
  return {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          labelSelector: { matchLabels: { ...UPSTREAM_PODS.prometheus.labels } },
          namespaces: [NAMESPACES.observability],
          topologyKey: 'kubernetes.io/hostname',
        },
      ],
    },
  }
}
