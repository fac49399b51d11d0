import { Construct } from 'constructs'
import { manifest } from '../api'

export interface NetworkPolicyEnforcerProps {
  /** sigs.k8s.io/kube-network-policies' image (/bin/netpol, as upstream's). */
  readonly image: string
  /** The netfilter queue its nftables rules hand a pod's first packets to. */
  readonly nfqueueId: number
}

const NAME = 'kube-network-policies'
const NAMESPACE = 'kube-system'

/**
 * NetworkPolicy enforcement with kube-network-policies, the enforcer kindnetd embeds, as its
 * release's install.yaml runs it: a privileged host-network DaemonSet that keeps an nftables
 * table per node and decides each new connection of a pod a policy selects in user space.
 */
export class NetworkPolicyEnforcer extends Construct {
  constructor(scope: Construct, id: string, props: NetworkPolicyEnforcerProps) {
    super(scope, id)
    const labels = { tier: 'node', app: NAME, 'k8s-app': NAME }
    manifest(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: NAME, namespace: NAMESPACE },
    })
    manifest(this, 'cluster-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: NAME },
      rules: [
        { apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['list', 'watch'] },
        {
          apiGroups: ['networking.k8s.io'],
          resources: ['networkpolicies'],
          verbs: ['list', 'watch'],
        },
      ],
    })
    manifest(this, 'cluster-role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: NAME },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }],
    })
    manifest(this, 'daemonset', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: NAME, namespace: NAMESPACE, labels },
      spec: {
        selector: { matchLabels: { app: NAME } },
        template: {
          metadata: { labels },
          spec: {
            hostNetwork: true,
            dnsPolicy: 'ClusterFirst',
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
            serviceAccountName: NAME,
            containers: [
              {
                name: NAME,
                image: props.image,
                args: [
                  '/bin/netpol',
                  '--hostname-override=$(MY_NODE_NAME)',
                  '--v=2',
                  `--nfqueue-id=${props.nfqueueId}`,
                ],
                // NRI (pod IPs straight from containerd) where the runtime offers it.
                volumeMounts: [
                  { name: 'nri-plugin', mountPath: '/var/run/nri' },
                  {
                    name: 'netns',
                    mountPath: '/var/run/netns',
                    mountPropagation: 'HostToContainer',
                  },
                ],
                resources: { requests: { cpu: '100m', memory: '50Mi' } },
                securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN'] } },
                env: [
                  { name: 'MY_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                ],
              },
            ],
            volumes: [
              { name: 'nri-plugin', hostPath: { path: '/var/run/nri' } },
              { name: 'netns', hostPath: { path: '/var/run/netns' } },
            ],
          },
        },
      },
    })
  }
}
