import { pinned } from '@shopscope/system'
import { Chart, type App } from 'cdk8s'
import { Flannel } from '../constructs/flannel'
import { LocalPathStorage } from '../constructs/local-path-storage'
import { NetworkPolicyEnforcer } from '../constructs/network-policy-enforcer'
import { POD_CIDR } from '../names'

/** The pod subnet kind-config.yaml states (kind's default), POD_CIDR of names.ts. */
export const KIND_POD_SUBNET = POD_CIDR
/** kube-network-policies' default queue, as its install.yaml passes it. */
const NFQUEUE_ID = 98

export interface KindAddons {
  readonly podNetwork: Chart
  readonly networkPolicies: Chart
  readonly storage: Chart
}

/**
 * What kind's node image brings and a kind cluster created with `networking.disableDefaultCNI`
 * lacks: a pod network (flannel, instead of kindnetd), NetworkPolicy enforcement (kindnetd's
 * embedded kube-network-policies) and kind's local-path storage. Applied right after `kind create
 * cluster`, before anything else; one chart (file) each, so the storage manifest can also be put
 * where kind itself applies it (/kind/manifests/default-storage.yaml in the node image).
 */
export function buildKindAddons(app: App, versions: Record<string, string>): KindAddons {
  const podNetwork = new Chart(app, '10-pod-network')
  new Flannel(podNetwork, 'flannel', {
    image: pinned(versions, 'FLANNEL_IMAGE'),
    cniWriterImage: pinned(versions, 'BUSYBOX_IMAGE'),
    podNetwork: KIND_POD_SUBNET,
  })
  const networkPolicies = new Chart(app, '20-network-policies')
  new NetworkPolicyEnforcer(networkPolicies, 'kube-network-policies', {
    image: pinned(versions, 'KUBE_NETWORK_POLICIES_IMAGE'),
    nfqueueId: NFQUEUE_ID,
  })
  const storage = new Chart(app, '30-storage')
  new LocalPathStorage(storage, 'local-path', {
    image: pinned(versions, 'LOCAL_PATH_PROVISIONER_IMAGE'),
    helperImage: pinned(versions, 'BUSYBOX_IMAGE'),
  })
  return { podNetwork, networkPolicies, storage }
}
