import { Construct } from 'constructs'
import { manifest } from '../api'
import type { Container } from '../k8s-types'

export interface FlannelProps {
  /** flannel's image (flanneld at /opt/bin/flanneld, as upstream's). */
  readonly image: string
  /** An image with a POSIX shell and BusyBox's `ipcalc`: writes the node's CNI config. */
  readonly cniWriterImage: string
  /** The cluster's pod CIDR (kind's `networking.podSubnet`); each node gets its podCIDR from it. */
  readonly podNetwork: string
}

const NAMESPACE = 'kube-flannel'
const NAME = 'flannel'
const CONFIG = 'kube-flannel-cfg'
const HEALTHZ = 8081

/**
 * flannel's pod network, as upstream's Documentation/kube-flannel.yml at the same release, with
 * two changes: the host-gw backend (a route per node, no overlay: kind's nodes share one L2
 * network), and no flannel CNI plugin (its module is not on the Go module proxy). Instead a
 * second container writes the conflist flannel's plugin would delegate to, the standard
 * bridge + host-local + portmap plugins the nodes ship, from the subnet flanneld leases.
 */
export class Flannel extends Construct {
  constructor(scope: Construct, id: string, props: FlannelProps) {
    super(scope, id)
    const labels = { tier: 'node', app: NAME, 'k8s-app': NAME }
    manifest(this, 'namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: NAMESPACE,
        labels: { 'k8s-app': NAME, 'pod-security.kubernetes.io/enforce': 'privileged' },
      },
    })
    manifest(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: NAME, namespace: NAMESPACE, labels: { 'k8s-app': NAME } },
    })
    // --kube-subnet-mgr: each node's lease is its spec.podCIDR, its public IP an annotation.
    manifest(this, 'cluster-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: NAME, labels: { 'k8s-app': NAME } },
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
      ],
    })
    manifest(this, 'cluster-role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: NAME, labels: { 'k8s-app': NAME } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }],
    })
    manifest(this, 'config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: CONFIG, namespace: NAMESPACE, labels },
      data: {
        'net-conf.json': JSON.stringify(
          { Network: props.podNetwork, EnableNFTables: false, Backend: { Type: 'host-gw' } },
          null,
          2,
        ),
        'write-cni-config.sh': WRITE_CNI_CONFIG,
      },
    })
    manifest(this, 'daemonset', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kube-flannel-ds', namespace: NAMESPACE, labels },
      spec: {
        selector: { matchLabels: { app: NAME } },
        template: {
          metadata: { labels },
          spec: {
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            hostNetwork: true,
            priorityClassName: 'system-node-critical',
            tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
            serviceAccountName: NAME,
            containers: [flanneld(props.image), cniWriter(props.cniWriterImage)],
            volumes: [
              { name: 'run', hostPath: { path: '/run/flannel' } },
              { name: 'cni', hostPath: { path: '/etc/cni/net.d' } },
              { name: 'flannel-cfg', configMap: { name: CONFIG } },
              {
                name: 'xtables-lock',
                hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' },
              },
            ],
          },
        },
      },
    })
  }
}

function flanneld(image: string): Container {
  return {
    name: 'kube-flannel',
    image,
    command: ['/opt/bin/flanneld'],
    args: ['--ip-masq', '--kube-subnet-mgr', `--healthz-port=${HEALTHZ}`],
    ports: [{ name: 'healthz', containerPort: HEALTHZ, protocol: 'TCP' }],
    livenessProbe: {
      httpGet: { path: '/healthz', port: 'healthz' },
      initialDelaySeconds: 10,
      periodSeconds: 30,
    },
    // Ready once subnet.env is written and the routes and iptables rules are in place.
    readinessProbe: {
      httpGet: { path: '/readyz', port: 'healthz' },
      initialDelaySeconds: 5,
      periodSeconds: 10,
    },
    resources: { requests: { cpu: '100m', memory: '50Mi' } },
    securityContext: { privileged: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'EVENT_QUEUE_DEPTH', value: '5000' },
      { name: 'CONT_WHEN_CACHE_NOT_READY', value: 'false' },
    ],
    volumeMounts: [
      { name: 'run', mountPath: '/run/flannel' },
      { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' },
      { name: 'xtables-lock', mountPath: '/run/xtables.lock' },
    ],
  }
}

// A container beside flanneld, not an init container: the subnet is only known once flanneld has
// its lease, and a later lease (or a deleted file) is written again.
function cniWriter(image: string): Container {
  return {
    name: 'write-cni-config',
    image,
    command: ['sh', '/etc/kube-flannel/write-cni-config.sh'],
    resources: { requests: { cpu: '5m', memory: '8Mi' }, limits: { memory: '32Mi' } },
    volumeMounts: [
      { name: 'run', mountPath: '/run/flannel', readOnly: true },
      { name: 'cni', mountPath: '/etc/cni/net.d' },
      { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' },
    ],
  }
}

/**
 * The conflist of flannel's CNI plugin after delegation (its defaults plus upstream's
 * cni-conf.json: hairpin mode, default gateway, flanneld masquerades): cni0 bridge, host-local
 * addresses from this node's flannel subnet (network address: host-local refuses host bits),
 * flannel's MTU, then portmap for hostPorts.
 */
const WRITE_CNI_CONFIG = `#!/bin/sh
set -eu
env=/run/flannel/subnet.env
conf=/etc/cni/net.d/10-flannel.conflist
while :; do
  if [ -f "$env" ]; then
    . "$env"
    eval "$(ipcalc -n "$FLANNEL_SUBNET")"
    subnet="$NETWORK/\${FLANNEL_SUBNET#*/}"
    new=$(cat <<EOF
{
  "name": "cbr0",
  "cniVersion": "1.0.0",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "isDefaultGateway": true,
      "hairpinMode": true,
      "ipMasq": false,
      "mtu": $FLANNEL_MTU,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$subnet" }]] }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
)
    if [ "$new" != "$(cat "$conf" 2>/dev/null)" ]; then
      printf '%s\\n' "$new" >"$conf.tmp" && mv "$conf.tmp" "$conf"
      echo "$conf: subnet $subnet, MTU $FLANNEL_MTU"
    fi
  fi
  sleep 10
done
`
