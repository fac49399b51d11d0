// The whole system on the cluster of `make cluster-up` (kube.ts): every pod Ready, `helm test`
// passes, the operator injected our auto-instrumentation into the shop's pods. Prints the
// injected pod spec excerpt, the cluster's memory and the bring-up time. The first of the files
// of `make test-cluster`; root only.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import {
  HELM,
  NAMESPACES,
  ROOT,
  RUN_DIR,
  SERVICES,
  currentContext,
  env,
  kubectl,
  kubectlJson,
  nodeEngine,
  pods,
  ready,
  useCluster,
} from './kube'
import { run } from '../../dev/cluster/run'

/** A cgroup's memory less its inactive page cache (v1: usage_in_bytes; v2: memory.current). */
function workingSet(dir: string): number {
  const read = (f: string) => readFileSync(join(dir, f), 'utf8')
  const v1 = existsSync(join(dir, 'memory.usage_in_bytes'))
  const usage = Number(read(v1 ? 'memory.usage_in_bytes' : 'memory.current'))
  const stat = read('memory.stat')
  const inactive = Number(
    new RegExp(`^${v1 ? 'total_inactive_file' : 'inactive_file'} (\\d+)$`, 'm').exec(stat)?.[1] ??
      0,
  )
  return Math.max(0, usage - inactive)
}

function mib(bytes: number) {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`
}

describe('the whole system on the kind cluster', { concurrency: false }, () => {
  before(useCluster)

  it('has every pod Ready in shop, observability and opentelemetry-operator-system', async () => {
    const deadline = Date.now() + 300_000
    let notReady: string[] = []
    do {
      notReady = []
      for (const ns of NAMESPACES) {
        const list = await pods(ns)
        assert.ok(list.length > 0, `no pods in ${ns}`)
        for (const p of list)
          if (!ready(p)) notReady.push(`${ns}/${p.metadata.name} (${p.status.phase})`)
      }
      if (notReady.length === 0) break
      await new Promise((r) => setTimeout(r, 5000))
    } while (Date.now() < deadline)
    assert.deepEqual(notReady, [])
    for (const ns of NAMESPACES) console.log(`# ${ns}: ${(await pods(ns)).length} pods Ready`)
  })

  it('runs on three Ready nodes, the replicas of each service spread over both workers', async () => {
    console.log(
      `# kubectl get nodes -o wide\n${(await kubectl('get', 'nodes', '-o', 'wide')).replace(/^/gm, '#   ')}`,
    )
    type Node = {
      metadata: { name: string; labels: Record<string, string> }
      status: { conditions: { type: string; status: string }[] }
    }
    const nodes = (await kubectlJson<{ items: Node[] }>('get', 'nodes')).items
    assert.equal(nodes.length, 3, 'kind-config.yaml: one control plane, two workers')
    for (const n of nodes)
      assert.ok(
        n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
        `${n.metadata.name} Ready`,
      )
    const workers = nodes
      .filter((n) => !('node-role.kubernetes.io/control-plane' in n.metadata.labels))
      .map((n) => n.metadata.name)
      .sort()
    assert.equal(workers.length, 2)
    const shop = await pods('shop')
    for (const service of SERVICES) {
      const placed = shop
        .filter((p) => p.metadata.labels?.['app.kubernetes.io/component'] === service && ready(p))
        .map((p) => p.spec.nodeName ?? '?')
      console.log(`# ${service}: ${placed.length} replicas on ${placed.join(', ')}`)
      if (placed.length >= 2)
        assert.deepEqual([...new Set(placed)].sort(), workers, `${service} on both workers`)
    }
  })

  it('passes helm test', async () => {
    const context = await currentContext()
    const r = await run(
      HELM,
      ['--kube-context', context, 'test', 'shopscope', '--namespace', 'shop', '--timeout', '2m'],
      env,
    )
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const phases = r.stdout.split('\n').filter((l) => /^(TEST SUITE|Last Started|Phase)/.test(l))
    console.log(`# helm test shopscope:\n${phases.map((l) => `#   ${l}`).join('\n')}`)
    assert.match(r.stdout, /Phase:\s+Succeeded/)
  })

  it('had our auto-instrumentation injected into every shop service pod by the operator', async () => {
    const instrumentation = readFileSync(
      join(ROOT, 'operator-config', 'instrumentation.yaml'),
      'utf8',
    )
    const image = /^ {2}nodejs:\n(?:.*\n)*? {4}image: (\S+)/m.exec(instrumentation)?.[1]
    assert.ok(image, 'the nodejs image of operator-config/instrumentation.yaml')
    const list = await pods('shop')
    for (const service of SERVICES) {
      const pod = list.find((p) => p.metadata.labels?.['app.kubernetes.io/component'] === service)
      assert.ok(pod, `a ${service} pod`)
      const init = (pod.spec.initContainers ?? []).find(
        (c) => c.name === 'opentelemetry-auto-instrumentation-nodejs',
      )
      assert.ok(init, `${service}: the operator's init container`)
      assert.equal(init.image.replace(/^docker\.io\//, ''), image.replace(/^docker\.io\//, ''))
      const app = pod.spec.containers[0]!
      const vars = new Map((app.env ?? []).map((e) => [e.name, e.value ?? '(valueFrom)']))
      assert.match(vars.get('NODE_OPTIONS') ?? '', /--require \/otel-auto-instrumentation-nodejs\//)
      for (const name of [
        'OTEL_SERVICE_NAME',
        'OTEL_EXPORTER_OTLP_ENDPOINT',
        'OTEL_RESOURCE_ATTRIBUTES',
      ])
        assert.ok(vars.has(name), `${service}: ${name}`)
      if (service === 'order-service') {
        const excerpt = {
          pod: pod.metadata.name,
          initContainers: [{ name: init.name, image: init.image, command: init.command }],
          container: {
            name: app.name,
            image: app.image,
            env: Object.fromEntries(
              [...vars].filter(([k]) => k === 'NODE_OPTIONS' || k.startsWith('OTEL_')),
            ),
            volumeMounts: app.volumeMounts?.filter((m) => m.mountPath.includes('otel')),
          },
        }
        console.log(
          `# injected pod spec (excerpt):\n${JSON.stringify(excerpt, null, 2).replace(/^/gm, '#   ')}`,
        )
      }
    }
  })

  it('prints the memory of the nodes and the pods, and the bring-up time', async () => {
    // The working set (usage less inactive page cache, as the kubelet counts it) of each node's
    // container and of each pod, read from their cgroups (no metrics-server): cgroup v1 on the
    // build machines, v2 on current distros.
    const names = (
      await kubectlJson<{ items: { metadata: { name: string } }[] }>('get', 'nodes')
    ).items.map((n) => n.metadata.name)
    const ids = await nodeEngine(['inspect', '--format', '{{.Name}} {{.Id}}', ...names])
    assert.equal(ids.code, 0, ids.stderr)
    const nodeOfId = new Map(
      ids.stdout
        .trim()
        .split('\n')
        .map((l) => l.replace(/^\//, '').split(' ').reverse() as [string, string]),
    )
    const byUid = new Map<string, string>()
    for (const ns of [...NAMESPACES, 'kube-system', 'kube-flannel', 'local-path-storage'])
      for (const p of await pods(ns)) byUid.set(p.metadata.uid, `${ns}/${p.metadata.name}`)
    const perNode: { name: string; bytes: number }[] = []
    const perPod: { name: string; bytes: number }[] = []
    const walk = (dir: string, depth: number) => {
      if (depth > 12) return
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue
        const path = join(dir, entry.name)
        const node = [...nodeOfId].find(([id]) => entry.name.includes(id))?.[1]
        if (node) perNode.push({ name: node, bytes: workingSet(path) })
        const uid = /(?:^|-)pod([0-9a-f_-]{32,})(?:\.slice)?$/
          .exec(entry.name)?.[1]
          ?.replace(/_/g, '-')
        if (uid && byUid.has(uid)) perPod.push({ name: byUid.get(uid)!, bytes: workingSet(path) })
        else walk(path, depth + 1)
      }
    }
    walk(existsSync('/sys/fs/cgroup/memory') ? '/sys/fs/cgroup/memory' : '/sys/fs/cgroup', 0)
    perNode.sort((a, b) => a.name.localeCompare(b.name))
    perPod.sort((a, b) => b.bytes - a.bytes)
    const total = (list: { bytes: number }[]) => list.reduce((s, p) => s + p.bytes, 0)
    console.log(`# nodes (working set): ${mib(total(perNode))}`)
    for (const n of perNode) console.log(`#   ${mib(n.bytes).padStart(8)}  ${n.name}`)
    console.log(`# pods (working set): ${mib(total(perPod))}`)
    for (const p of perPod) console.log(`#   ${mib(p.bytes).padStart(8)}  ${p.name}`)
    assert.deepEqual(perNode.map((n) => n.name).sort(), names.sort(), "each node's memory read")
    const bringUp = join(RUN_DIR, 'bring-up-seconds')
    if (existsSync(bringUp))
      console.log(`# last make cluster-up: ${readFileSync(bringUp, 'utf8').trim()} s`)
    assert.ok(
      perPod.length >= byUid.size / 2,
      `${perPod.length} of ${byUid.size} pods' memory read`,
    )
  })
})
