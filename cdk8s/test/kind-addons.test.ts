import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { App } from 'cdk8s'
import { parseAllDocuments, stringify } from 'yaml'
import { buildKindAddons, KIND_POD_SUBNET } from '../src/charts/kind-addons-chart'
import { fixtureInputs, type Obj } from './fixtures'

const versions = fixtureInputs().versions
const addons = buildKindAddons(new App({ outdir: '/nonexistent' }), versions)
const charts = {
  podNetwork: addons.podNetwork.toJson() as Obj[],
  networkPolicies: addons.networkPolicies.toJson() as Obj[],
  storage: addons.storage.toJson() as Obj[],
}
const find = (objects: Obj[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name)
  assert.ok(found, `${kind} ${name} not synthesized`)
  return found
}
type Container = { name: string; image: string; args?: string[]; command?: string[] }
const containers = (o: Obj) => o.spec.template.spec.containers as Container[]
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8')

describe('kind add-ons', () => {
  it('runs flanneld with the Kubernetes subnet manager, host-gw over kind pod subnet', () => {
    const config = find(charts.podNetwork, 'ConfigMap', 'kube-flannel-cfg')
    assert.deepEqual(JSON.parse(config.data!['net-conf.json']!), {
      Network: KIND_POD_SUBNET,
      EnableNFTables: false,
      Backend: { Type: 'host-gw' },
    })
    const [flanneld, writer] = containers(find(charts.podNetwork, 'DaemonSet', 'kube-flannel-ds'))
    assert.equal(flanneld!.image, versions.FLANNEL_IMAGE)
    assert.deepEqual(flanneld!.args, ['--ip-masq', '--kube-subnet-mgr', '--healthz-port=8081'])
    assert.equal(writer!.image, versions.BUSYBOX_IMAGE)
  })

  it("writes the node's conflist from flanneld's subnet.env with the bridge, host-local and portmap plugins", () => {
    const script = find(charts.podNetwork, 'ConfigMap', 'kube-flannel-cfg').data![
      'write-cni-config.sh'
    ]!
    assert.match(script, /^env=\/run\/flannel\/subnet\.env$/m)
    assert.match(script, /^conf=\/etc\/cni\/net\.d\/10-flannel\.conflist$/m)
    for (const plugin of ['bridge', 'host-local', 'portmap'])
      assert.match(script, new RegExp(`"type": "${plugin}"`))
    // host-local refuses a subnet with host bits: flannel's FLANNEL_SUBNET is the gateway address.
    assert.match(script, /ipcalc -n "\$FLANNEL_SUBNET"/)
    // The here-document, with the shell's two variables filled in, is the conflist.
    const heredoc = /<<EOF\n([\s\S]*?)\nEOF\n/.exec(script)?.[1]
    assert.ok(heredoc, 'no here-document in the script')
    const conflist = JSON.parse(
      heredoc.replaceAll('$FLANNEL_MTU', '1500').replaceAll('$subnet', '10.244.2.0/24'),
    )
    assert.equal(conflist.cniVersion, '1.0.0')
    const [bridge, portmap] = conflist.plugins
    assert.deepEqual(
      { type: bridge.type, gateway: bridge.isDefaultGateway, masq: bridge.ipMasq, mtu: bridge.mtu },
      { type: 'bridge', gateway: true, masq: false, mtu: 1500 },
    )
    assert.deepEqual(bridge.ipam, { type: 'host-local', ranges: [[{ subnet: '10.244.2.0/24' }]] })
    assert.deepEqual(portmap, { type: 'portmap', capabilities: { portMappings: true } })
  })

  it('enforces NetworkPolicies with kube-network-policies as its install.yaml runs it', () => {
    const daemonSet = find(charts.networkPolicies, 'DaemonSet', 'kube-network-policies')
    assert.equal(daemonSet.spec.template.spec.hostNetwork, true)
    const [netpol] = containers(daemonSet)
    assert.equal(netpol!.image, versions.KUBE_NETWORK_POLICIES_IMAGE)
    assert.equal(netpol!.args![0], '/bin/netpol')
    const role = find(charts.networkPolicies, 'ClusterRole', 'kube-network-policies')
    assert.deepEqual(role.rules!.flatMap((r) => r.resources).sort(), [
      'namespaces',
      'networkpolicies',
      'pods',
    ])
  })

  it("is kind v0.33's default storage object for object, but for the two images", () => {
    const kind = parseAllDocuments(fixture('kind-default-storage.yaml')).map((d) => d.toJS() as Obj)
    const ours = structuredClone(charts.storage)
    const replaced = JSON.stringify(ours)
      .replaceAll(
        versions.LOCAL_PATH_PROVISIONER_IMAGE!,
        'docker.io/kindest/local-path-provisioner:v20260820-69b56db7',
      )
      .replaceAll(versions.BUSYBOX_IMAGE!, 'docker.io/kindest/local-path-helper:v20260131-7181c60a')
    // kind's StorageClass carries a namespace, which a cluster-scoped object ignores.
    delete (kind.find((o) => o.kind === 'StorageClass')!.metadata as { namespace?: string })
      .namespace
    const key = (o: Obj) => `${o.kind}/${o.metadata.name}`
    const byKey = (objects: Obj[]) => Object.fromEntries(objects.map((o) => [key(o), o]))
    const normalize = (o: Obj) =>
      o.kind === 'ConfigMap'
        ? { ...o, data: { ...o.data, 'config.json': JSON.parse(o.data!['config.json']!) } }
        : o
    const expected = byKey(kind.map(normalize))
    const actual = byKey((JSON.parse(replaced) as Obj[]).map(normalize))
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort())
    for (const k of Object.keys(expected)) assert.deepEqual(actual[k], expected[k], k)
  })

  // A change to the add-ons shows up as a diff to review; accept it with UPDATE_SNAPSHOTS=1.
  it('synthesizes the same manifests as the reviewed snapshot', () => {
    const snapshot = join(__dirname, '__snapshots__', 'kind-addons.yaml')
    const actual = Object.entries(charts)
      .map(
        ([chart, objects]) =>
          `# chart: ${chart}\n${objects.map((o) => stringify(o)).join('---\n')}`,
      )
      .join('---\n')
    if (process.env.UPDATE_SNAPSHOTS === '1') {
      mkdirSync(join(__dirname, '__snapshots__'), { recursive: true })
      writeFileSync(snapshot, actual)
    }
    assert.ok(existsSync(snapshot), `no snapshot at ${snapshot}: run with UPDATE_SNAPSHOTS=1`)
    assert.equal(actual, readFileSync(snapshot, 'utf8'))
  })
})
