// The whole source-built cluster (scripts/cluster/source/cluster.sh): control plane, containerd,
// the node (kubelet, kube-proxy in iptables mode, kube-network-policies) and CoreDNS, in a run
// directory, bridge, pod subnet, node address, cgroup and ports of this test's own. A node Ready;
// a busybox Deployment Ready; names resolved by CoreDNS; Services reached through kube-proxy
// (the `kubernetes` one included); a NetworkPolicy enforced; `down` leaves nothing behind. Root
// only; not part of `make test`. kube-proxy's chains are global: no other cluster may run.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { pinned, readVersions } from '../../cdk8s/src/versions'
import { freePort } from '../harness'
import { eventually } from '../local/eventually'
import { processesUsing, mountsUnder } from './host'
import { run } from './run'
import { archiveStem } from './standin-archives'

const ROOT = join(__dirname, '..', '..')
const SOURCE = join(ROOT, 'scripts', 'cluster', 'source')
const CLUSTER = join(SOURCE, 'cluster.sh')
const VERSIONS = readVersions(join(ROOT, 'versions.env'))
const KUBERNETES_VERSION = `v${pinned(VERSIONS, 'KUBERNETES_VERSION').replace(/^v/, '')}`
const CACHE = process.env.SHOPSCOPE_CACHE ?? join(homedir(), '.cache', 'shopscope')
const K8S_BIN = join(CACHE, `kubernetes-${KUBERNETES_VERSION}`, 'bin')
const KUBECTL = join(K8S_BIN, 'kubectl')
const BINARIES = [
  join(CACHE, `etcd-${pinned(VERSIONS, 'ETCD_VERSION')}`, 'bin', 'etcd'),
  join(CACHE, `crictl-${pinned(VERSIONS, 'CRICTL_VERSION')}`, 'bin', 'crictl'),
  join(
    CACHE,
    `kube-network-policies-${pinned(VERSIONS, 'KUBE_NETWORK_POLICIES_VERSION')}`,
    'bin',
    'kube-network-policies',
  ),
  ...[
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
    'kubelet',
    'kube-proxy',
    'kubectl',
  ].map((c) => join(K8S_BIN, c)),
]
const NETPOL = BINARIES[2]!
const STANDINS = join(CACHE, 'standins')
const BUSYBOX = pinned(VERSIONS, 'BUSYBOX_IMAGE')
const BRIDGE = 'shopscopen0'
const NODE_IP = '198.51.100.21'
const CGROUP_ROOT = 'shopscope-node-test'
const NS = 'node-test'
const PROCESSES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'containerd',
  'kubelet',
  'kube-proxy',
  'kube-network-policies',
]

/** Chain names of iptables-save or ip6tables-save that start with KUBE- or CNI-. */
async function chains(save: string): Promise<string[]> {
  const r = await run(save, [], process.env)
  assert.equal(r.code, 0, `${save}: ${r.stderr}`)
  return r.stdout
    .split('\n')
    .filter((l) => /^:(KUBE-|CNI-)/.test(l))
    .map((l) => l.slice(1, l.indexOf(' ')))
    .sort()
}

/** The cgroup directories of CGROUP_ROOT still present in any hierarchy. */
const cgroupsLeft = () =>
  readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2] === 'cgroup' || f[2] === 'cgroup2')
    .map((f) => join(f[1]!, CGROUP_ROOT))
    .filter((d) => existsSync(d))

const serverDeployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'httpd',
            image: BUSYBOX,
            imagePullPolicy: 'Never',
            command: [
              'sh',
              '-c',
              'mkdir -p /tmp/w && echo served-by-web >/tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w',
            ],
            ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 2 },
          },
        ],
      },
    },
  },
}
const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
}
const clientPod = (name: string, access: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { role: 'client', access } },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [
      { name: 'sh', image: BUSYBOX, imagePullPolicy: 'Never', command: ['sleep', '3600'] },
    ],
  },
})
// Ingress to the web pods only from pods labelled access=allowed
const policy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'web-from-allowed-only' },
  spec: {
    podSelector: { matchLabels: { app: 'web' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { access: 'allowed' } } }] }],
  },
}

describe(
  'node of the source-built cluster',
  { skip: process.getuid?.() !== 0 && 'needs root' },
  () => {
    mkdirSync(join(ROOT, '.run'), { recursive: true })
    const runDir = mkdtempSync(join(ROOT, '.run', 'node-test-'))
    const kubeconfig = join(runDir, 'admin.kubeconfig')
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CLUSTER_RUN_DIR: runDir,
      CLUSTER_NODE_IP: NODE_IP,
      CONTAINERD_BRIDGE: BRIDGE,
      CONTAINERD_POD_SUBNET: '10.244.251.0/24',
      NODE_CGROUP_ROOT: CGROUP_ROOT,
    }
    // Host paths the kubelet and containerd 1.6 use whatever their configuration says
    const hostDirs = ['/var/lib/kubelet', '/run/containerd', '/var/run/netns', '/var/lib/cni']
    let hostDirsAbsent: string[] = []
    let chainsBefore: string[] = []
    let chains6Before: string[] = []
    let pids: Record<string, string> = {}
    let passed = 0
    let serviceIp = ''

    const kubectl = (args: string[], input?: string) =>
      run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], env, input)
    const kubectlOk = async (args: string[], input?: string) => {
      const r = await kubectl(args, input)
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`)
      return r.stdout
    }
    /** A command in the client pod `pod`; its exit code and output. */
    const inPod = (pod: string, command: string[]) =>
      kubectl(['-n', NS, 'exec', pod, '--', ...command])
    /** busybox wget, bounded: a dropped SYN would otherwise wait for the kernel's retries. */
    const wget = (pod: string, url: string) =>
      inPod(pod, ['timeout', '5', 'wget', '-q', '-O-', '-T', '3', url])
    const fetchWeb = (pod: string) => wget(pod, 'http://web')
    const readPids = () =>
      Object.fromEntries(
        PROCESSES.map((c) => [c, readFileSync(join(runDir, `${c}.pid`), 'utf8').trim()]),
      )

    before(async () => {
      const missing = BINARIES.filter((b) => !existsSync(b))
      assert.deepEqual(missing, [], 'missing binaries (make cluster-source-build)')
      const archives = existsSync(STANDINS) ? readdirSync(STANDINS) : []
      const stems = [
        archiveStem(VERSIONS, 'pause', 'PAUSE_IMAGE'),
        archiveStem(VERSIONS, 'busybox', 'BUSYBOX_IMAGE'),
        archiveStem(VERSIONS, 'coredns', 'COREDNS_IMAGE'),
      ]
      for (const stem of stems) {
        const found = archives.some((f) => f === `${stem}.tar` || f.startsWith(`${stem}-`))
        assert.ok(found, `missing ${join(STANDINS, stem)}*.tar (make cluster-source-images)`)
      }
      hostDirsAbsent = hostDirs.filter((d) => !existsSync(d))
      chainsBefore = await chains('iptables-save')
      chains6Before = await chains('ip6tables-save')
      assert.ok(
        !chainsBefore.includes('KUBE-SERVICES'),
        'another kube-proxy runs (KUBE-SERVICES exists): stop that cluster first (make cluster-source-down)',
      )
      for (const port of [
        'APISERVER_PORT',
        'ETCD_PORT',
        'ETCD_PEER_PORT',
        'CONTROLLER_MANAGER_PORT',
        'SCHEDULER_PORT',
        'KUBELET_PORT',
        'KUBELET_HEALTHZ_PORT',
        'KUBE_PROXY_HEALTHZ_PORT',
        'KUBE_PROXY_METRICS_PORT',
        'NETPOL_METRICS_PORT',
      ]) {
        env[port] = String(await freePort())
      }
    })

    after(async () => {
      // Whatever happened, nothing of this test keeps running.
      await run(CLUSTER, ['down'], env)
      if (passed < 6) console.log(`node test: logs kept in ${runDir}`)
      else rmSync(runDir, { recursive: true, force: true })
    })

    it('brings the cluster up: node Ready, CoreDNS ready', async (t) => {
      const started = Date.now()
      const r = await run(CLUSTER, ['up'], env)
      assert.equal(r.code, 0, `cluster.sh up:\n${r.stdout}\n${r.stderr}`)
      t.diagnostic(`up in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      pids = readPids()
      const ready = await kubectlOk([
        'get',
        'node',
        'shopscope-node',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ])
      assert.equal(ready, 'True')
      const rss = PROCESSES.map((c) => {
        const kb = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pids[c]}/status`, 'utf8'))?.[1]
        return `${c} ${Math.round(Number(kb) / 1024)} MiB`
      })
      t.diagnostic(`RSS: ${rss.join(', ')}`)
      passed++
    })

    it('up again converges: the same processes, still Ready', async () => {
      const r = await run(CLUSTER, ['up'], env)
      assert.equal(r.code, 0, `second cluster.sh up:\n${r.stdout}\n${r.stderr}`)
      assert.deepEqual(readPids(), pids, 'no process restarted')
      const status = await run(CLUSTER, ['status'], env)
      assert.equal(status.code, 0, status.stdout + status.stderr)
      passed++
    })

    it('runs a busybox Deployment: its pods get Ready', async () => {
      await kubectlOk(['create', 'namespace', NS])
      await eventually('service account default', async () => {
        return (await kubectl(['-n', NS, 'get', 'serviceaccount', 'default'])).code === 0
      })
      await kubectlOk(['-n', NS, 'apply', '-f', '-'], JSON.stringify(serverDeployment))
      await kubectlOk(['-n', NS, 'apply', '-f', '-'], JSON.stringify(service))
      for (const [name, access] of [
        ['client-allowed', 'allowed'],
        ['client-other', 'none'],
      ]) {
        await kubectlOk(['-n', NS, 'apply', '-f', '-'], JSON.stringify(clientPod(name!, access!)))
      }
      await kubectlOk(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=120s'])
      await kubectlOk([
        '-n',
        NS,
        'wait',
        '--for=condition=Ready',
        'pod/client-allowed',
        'pod/client-other',
        '--timeout=120s',
      ])
      const ready = await kubectlOk([
        '-n',
        NS,
        'get',
        'pods',
        '-l',
        'app=web',
        '-o',
        'jsonpath={.items[*].status.containerStatuses[0].ready}',
      ])
      assert.equal(ready, 'true true')
      serviceIp = (
        await kubectlOk(['-n', NS, 'get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])
      ).trim()
      passed++
    })

    it('resolves names through CoreDNS and reaches Services through kube-proxy', async () => {
      const kubernetes = await inPod('client-other', [
        'nslookup',
        'kubernetes.default.svc.cluster.local',
      ])
      assert.equal(kubernetes.code, 0, kubernetes.stdout + kubernetes.stderr)
      assert.match(kubernetes.stdout, /Address:\s*10\.96\.0\.1\b/)
      const web = await inPod('client-other', ['nslookup', `web.${NS}.svc.cluster.local`])
      assert.equal(web.code, 0, web.stdout + web.stderr)
      assert.match(web.stdout, new RegExp(`Address:\\s*${serviceIp.replace(/\./g, '\\.')}\\b`))
      // The Service by its short name (search path) and by its ClusterIP
      const byName = await fetchWeb('client-other')
      assert.equal(byName.code, 0, byName.stderr)
      assert.equal(byName.stdout.trim(), 'served-by-web')
      const byIp = await wget('client-other', `http://${serviceIp}`)
      assert.equal(byIp.stdout.trim(), 'served-by-web', byIp.stderr)
      // 10.96.0.1:443 leads to the apiserver: plain HTTP to its TLS port gets its 400 answer
      const api = await wget('client-other', 'http://10.96.0.1:443/')
      assert.match(api.stderr, /400 Bad Request/, `the kubernetes Service: ${api.stderr}`)
      passed++
    })

    it('enforces a NetworkPolicy: a client outside its sources fails, the allowed one gets through', async () => {
      assert.equal((await fetchWeb('client-other')).code, 0, 'reachable before the policy')
      await kubectlOk(['-n', NS, 'apply', '-f', '-'], JSON.stringify(policy))
      await eventually(
        'the other client is refused',
        async () => (await fetchWeb('client-other')).code !== 0,
        60_000,
        1000,
      )
      // Refused for good, not by chance: three more attempts all fail
      for (let i = 0; i < 3; i++) {
        const r = await fetchWeb('client-other')
        assert.notEqual(r.code, 0, `attempt ${i + 1} of the other client got through: ${r.stdout}`)
      }
      for (let i = 0; i < 3; i++) {
        const r = await fetchWeb('client-allowed')
        assert.equal(r.code, 0, `the allowed client, attempt ${i + 1}: ${r.stderr}`)
        assert.equal(r.stdout.trim(), 'served-by-web')
      }
      // Without the policy the other client gets through again
      await kubectlOk(['-n', NS, 'delete', 'networkpolicy', policy.metadata.name])
      await eventually(
        'the other client gets through again',
        async () => (await fetchWeb('client-other')).code === 0,
        60_000,
        1000,
      )
      passed++
    })

    it('down stops every process and removes the bridge, chains, mounts, cgroups and address', async () => {
      const r = await run(CLUSTER, ['down'], env)
      assert.equal(r.code, 0, `cluster.sh down:\n${r.stdout}\n${r.stderr}`)
      await eventually(
        'no process of the run directory',
        async () => processesUsing(runDir).length === 0,
      )
      for (const [c, pid] of Object.entries(pids)) {
        assert.ok(
          !existsSync(`/proc/${pid}`) ||
            /^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')),
          `${c} (pid ${pid}) still runs`,
        )
      }
      assert.notEqual((await run('ip', ['link', 'show', BRIDGE], env)).code, 0, `${BRIDGE} removed`)
      assert.deepEqual(await chains('iptables-save'), chainsBefore, 'KUBE-/CNI- chains as before')
      assert.deepEqual(await chains('ip6tables-save'), chains6Before, 'ip6tables chains as before')
      assert.deepEqual(mountsUnder(runDir), [], 'no mount under the run directory')
      assert.deepEqual(cgroupsLeft(), [], 'no cgroup of the node')
      assert.deepEqual(
        hostDirsAbsent.filter((d) => existsSync(d)),
        [],
        'no host directory the cluster made',
      )
      const address = await run('ip', ['-o', 'addr', 'show', 'to', NODE_IP], env)
      assert.equal(address.stdout.trim(), '', `${NODE_IP} removed`)
      // --cleanup (of the build's patch) says whether it found the table to delete
      const table = await run(NETPOL, ['--cleanup'], env)
      assert.match(table.stdout, /no table/, 'the nftables table kube-network-policies is gone')
      assert.doesNotMatch(
        readFileSync('/proc/net/netfilter/nfnetlink_queue', 'utf8'),
        /^\s*100\s/m,
        'no process bound to the policy queue',
      )
      assert.notEqual((await run(CLUSTER, ['status'], env)).code, 0, 'status reports stopped')
      passed++
    })
  },
)
