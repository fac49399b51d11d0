// A cluster kind still lists but nothing can use — a node container stopped, as when the machine of
// an earlier run ended mid-run and its podman state went with it — is replaced by the next
// cluster-up, never reused (a CI run reused one and failed on `podman exec` into a stopped node).
// make test-cluster-ci runs this file after the other cluster files, on the cluster they used, then
// make cluster-down, whose leftovers cluster-down.test.ts checks: a cluster with a stopped node
// is deleted wholly too. Podman only (kind on Docker is the laptop's own: not managed here).
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { CLUSTER, ROOT, env, nodeEngine } from './kube'
import { run } from '../../dev/cluster/run'

const CLUSTER_SH = join(ROOT, 'scripts', 'cluster', 'kind', 'cluster.sh')
const WORKER = `${CLUSTER}-worker`

describe('cluster-up after a stopped node', { concurrency: false }, () => {
  it('reuses the cluster the tests ran on: every node running, API server ready', async () => {
    const health = await run(CLUSTER_SH, ['health'], env)
    assert.equal(health.code, 0, health.stderr)
    assert.match(health.stderr, /cluster-up would reuse it/)
  })

  it(`replaces it once ${WORKER} is stopped, naming the node`, async () => {
    const stopped = await nodeEngine(['stop', WORKER])
    assert.equal(stopped.code, 0, stopped.stderr)
    const health = await run(CLUSTER_SH, ['health'], env)
    assert.equal(health.code, 1, health.stderr)
    assert.match(health.stderr, new RegExp(`node ${WORKER} is \\w+: cluster-up would replace it`))
  })
})
