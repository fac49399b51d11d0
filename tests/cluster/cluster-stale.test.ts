// A cluster kind still lists but nothing can use — a node container stopped, as when the machine of
// an earlier run ended mid-run and its podman state went with it — is replaced by the next
// cluster-up, never reused (a CI run reused one and failed on `podman exec` into a stopped node).
// make test-cluster-ci runs this file first: it leaves a healthy cluster that make cluster-up then
// reuses, so it costs one extra kind create and delete of an empty cluster.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { CLUSTER, ROOT, env, nodeEngine } from './kube'
import { run } from './run'

const CLUSTER_SH = join(ROOT, 'scripts', 'cluster', 'kind', 'cluster.sh')

/** Each node container's state as podman inspect gives it (running, exited, …). */
async function nodeStates(): Promise<Record<string, string>> {
  const ps = await nodeEngine(['ps', '-a', '--format', '{{.Names}}'])
  assert.equal(ps.code, 0, ps.stderr)
  const names = ps.stdout.split('\n').filter((n) => n.startsWith(`${CLUSTER}-`))
  if (names.length === 0) return {}
  const inspected = await nodeEngine([
    'inspect',
    '--format',
    '{{.Name}} {{.State.Status}}',
    ...names,
  ])
  assert.equal(inspected.code, 0, inspected.stderr)
  return Object.fromEntries(
    inspected.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split(' ') as [string, string]),
  )
}

describe('cluster-up after a stopped node', { concurrency: false }, () => {
  it('kind on podman: the node image and kind are there (make kind-node-image tool-kind)', async () => {
    const made = await run(
      'make',
      ['--no-print-directory', '-C', ROOT, 'kind-node-image', 'tool-kind'],
      env,
    )
    assert.equal(made.code, 0, made.stderr.slice(-2000))
  })

  it('a cluster with a stopped node is deleted and created again, all nodes running', async () => {
    const first = await run(CLUSTER_SH, ['up'], env)
    assert.equal(first.code, 0, first.stderr.slice(-2000))
    const worker = `${CLUSTER}-worker`
    const stopped = await nodeEngine(['stop', worker])
    assert.equal(stopped.code, 0, stopped.stderr)
    assert.notEqual((await nodeStates())[worker], 'running', `${worker} still running after stop`)

    const again = await run(CLUSTER_SH, ['up'], env)
    assert.equal(again.code, 0, again.stderr.slice(-2000))
    assert.match(
      again.stderr,
      new RegExp(`node ${worker} is \\w+: deleting it and creating a new one`),
    )
    assert.doesNotMatch(again.stderr, /reusing it/)
    const states = await nodeStates()
    assert.deepEqual(
      Object.keys(states).sort(),
      [`${CLUSTER}-control-plane`, `${CLUSTER}-worker`, `${CLUSTER}-worker2`],
      'the nodes of kind-config.yaml',
    )
    for (const [name, state] of Object.entries(states)) assert.equal(state, 'running', name)
  })

  it('a healthy cluster is reused', async () => {
    const reused = await run(CLUSTER_SH, ['up'], env)
    assert.equal(reused.code, 0, reused.stderr.slice(-2000))
    assert.match(reused.stderr, /exists: reusing it/)
  })
})
