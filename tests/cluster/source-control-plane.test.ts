// The control plane built from source (scripts/cluster/source/control-plane.sh): etcd,
// kube-apiserver, kube-controller-manager and kube-scheduler as processes on 127.0.0.1, in a run
// directory and on ports of their own (a control plane of `make control-plane-up` is left alone).
// No node: pods stay Pending, which is what the scheduler must report.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { pinned, readVersions } from '../../cdk8s/src/versions'
import { freePort } from '../harness'
import { eventually } from '../local/eventually'
import { processesUsing } from './host'
import { run } from './run'

const ROOT = join(__dirname, '..', '..')
const SCRIPT = join(ROOT, 'scripts', 'cluster', 'source', 'control-plane.sh')
const VERSIONS = readVersions(join(ROOT, 'versions.env'))
const KUBERNETES_VERSION = `v${pinned(VERSIONS, 'KUBERNETES_VERSION').replace(/^v/, '')}`
const CACHE = process.env.SHOPSCOPE_CACHE ?? join(homedir(), '.cache', 'shopscope')
const K8S_BIN = join(CACHE, `kubernetes-${KUBERNETES_VERSION}`, 'bin')
const KUBECTL = join(K8S_BIN, 'kubectl')
const BINARIES = [
  join(CACHE, `etcd-${pinned(VERSIONS, 'ETCD_VERSION')}`, 'bin', 'etcd'),
  ...['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'].map((c) =>
    join(K8S_BIN, c),
  ),
]
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']

const restrictedPod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'main',
        image: pinned(VERSIONS, 'BUSYBOX_IMAGE'),
        command: ['sleep', '3600'],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ],
  },
})

describe('control plane built from source', () => {
  mkdirSync(join(ROOT, '.run'), { recursive: true })
  const runDir = mkdtempSync(join(ROOT, '.run', 'cluster-test-'))
  const kubeconfig = join(runDir, 'admin.kubeconfig')
  // Never the default .run/cluster: stop must only ever reach this test's processes.
  const env: NodeJS.ProcessEnv = { ...process.env, CLUSTER_RUN_DIR: runDir }
  let startedPids: number[] = []
  let passed = 0

  const kubectl = (args: string[], input?: string) =>
    run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], env, input)
  const kubectlOk = async (args: string[], input?: string) => {
    const r = await kubectl(args, input)
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  const getJson = async <T>(args: string[]) =>
    JSON.parse(await kubectlOk(['get', ...args, '-o', 'json'])) as T
  const waitForDefaultServiceAccount = (namespace: string) =>
    eventually(`service account default in ${namespace}`, async () => {
      return (await kubectl(['-n', namespace, 'get', 'serviceaccount', 'default'])).code === 0
    })

  before(async () => {
    const missing = BINARIES.filter((b) => !existsSync(b))
    assert.deepEqual(missing, [], `missing binaries (build them: make cluster-source-build)`)
    for (const port of [
      'APISERVER_PORT',
      'ETCD_PORT',
      'ETCD_PEER_PORT',
      'CONTROLLER_MANAGER_PORT',
      'SCHEDULER_PORT',
    ]) {
      env[port] = String(await freePort())
    }
  })

  after(async () => {
    // Whatever happened, nothing of this test keeps running.
    await run(SCRIPT, ['stop'], env)
    const logs = readdirSync(runDir).filter((f) => f.endsWith('.log'))
    if (passed < 5 && logs.length > 0) console.log(`control-plane test: logs kept in ${runDir}`)
    else rmSync(runDir, { recursive: true, force: true })
  })

  it('starts etcd, kube-apiserver, controller-manager and scheduler and waits until ready', async (t) => {
    const started = Date.now()
    const r = await run(SCRIPT, ['start'], env)
    assert.equal(r.code, 0, `control-plane.sh start:\n${r.stdout}\n${r.stderr}`)
    t.diagnostic(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (certificates included)`)
    startedPids = COMPONENTS.map((c) => Number(readFileSync(join(runDir, `${c}.pid`), 'utf8')))
    assert.ok(existsSync(kubeconfig), 'admin.kubeconfig written')
    const status = await run(SCRIPT, ['status'], env)
    assert.equal(status.code, 0, status.stdout)
    passed++
  })

  it('reports the pinned Kubernetes version', async () => {
    const version = JSON.parse(await kubectlOk(['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string }
      serverVersion: { gitVersion: string }
    }
    assert.equal(version.serverVersion.gitVersion, KUBERNETES_VERSION)
    assert.equal(version.clientVersion.gitVersion, KUBERNETES_VERSION)
    passed++
  })

  it('refuses a privileged pod in a namespace enforcing the restricted Pod Security level', async () => {
    await kubectlOk(['create', 'namespace', 'locked'])
    await kubectlOk([
      'label',
      'namespace',
      'locked',
      'pod-security.kubernetes.io/enforce=restricted',
    ])
    await waitForDefaultServiceAccount('locked')
    const privileged = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'privileged' },
      spec: {
        containers: [
          {
            name: 'main',
            image: pinned(VERSIONS, 'BUSYBOX_IMAGE'),
            securityContext: { privileged: true },
          },
        ],
      },
    }
    const refused = await kubectl(['-n', 'locked', 'create', '-f', '-'], JSON.stringify(privileged))
    assert.notEqual(refused.code, 0, 'the privileged pod was admitted')
    assert.match(refused.stderr, /violates PodSecurity "restricted:latest"/)
    assert.match(refused.stderr, /privileged/)
    const get = await kubectl(['-n', 'locked', 'get', 'pod', 'privileged'])
    assert.match(get.stderr, /NotFound/)
    // The refusal is Pod Security's, not a broken API: a pod meeting the level is admitted.
    await kubectlOk(['-n', 'locked', 'create', '-f', '-'], JSON.stringify(restrictedPod('fine')))
    passed++
  })

  it('turns a Deployment into a ReplicaSet and Pods, which stay Pending without a node', async (t) => {
    await kubectlOk(['create', 'namespace', 'shop'])
    await waitForDefaultServiceAccount('shop')
    const pod = restrictedPod('web')
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: pod.spec },
      },
    }
    await kubectlOk(['-n', 'shop', 'create', '-f', '-'], JSON.stringify(deployment))

    type Owned = {
      metadata: { name: string; ownerReferences?: { kind: string; name: string }[] }
      spec: { nodeName?: string }
      status: {
        phase?: string
        conditions?: { type: string; status: string; reason?: string }[]
      }
    }
    const rs = await eventually('ReplicaSet of the Deployment', async () => {
      const list = await getJson<{ items: Owned[] }>(['-n', 'shop', 'replicasets'])
      return list.items.find((r) =>
        r.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === 'web'),
      )
    })
    // The scheduler has looked at both pods and found no node for them.
    const pods = await eventually(
      'two Pending pods of the ReplicaSet, marked unschedulable',
      async () => {
        const list = await getJson<{ items: Owned[] }>(['-n', 'shop', 'pods', '-l', 'app=web'])
        const owned = list.items.filter((p) =>
          p.metadata.ownerReferences?.some(
            (o) => o.kind === 'ReplicaSet' && o.name === rs.metadata.name,
          ),
        )
        const unschedulable = (p: Owned) =>
          p.status.conditions?.some(
            (c) =>
              c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
          )
        return owned.length === 2 && owned.every(unschedulable) && owned
      },
      60_000,
    )
    for (const p of pods) {
      assert.equal(p.status.phase, 'Pending', p.metadata.name)
      assert.equal(p.spec.nodeName, undefined, p.metadata.name)
    }
    const rss = COMPONENTS.map((c, i) => {
      const status = readFileSync(`/proc/${startedPids[i]}/status`, 'utf8')
      return `${c} ${/^VmRSS:\s*(\d+)/m.exec(status)?.[1] ?? '?'} kB`
    })
    t.diagnostic(`RSS: ${rss.join(', ')}`)
    passed++
  })

  it('stops every process it started and leaves none behind', async () => {
    assert.equal(startedPids.length, COMPONENTS.length, 'the control plane did not start')
    const r = await run(SCRIPT, ['stop'], env)
    assert.equal(r.code, 0, r.stderr)
    for (const c of COMPONENTS) assert.ok(!existsSync(join(runDir, `${c}.pid`)), `${c}.pid removed`)
    const alive = startedPids.filter((p) => {
      try {
        return !/^State:\s*Z/m.test(readFileSync(`/proc/${p}/status`, 'utf8'))
      } catch {
        return false
      }
    })
    assert.deepEqual(alive, [], 'processes still running after stop')
    assert.deepEqual(processesUsing(runDir), [])
    passed++
  })
})
