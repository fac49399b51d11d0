// The Locust scenario as the in-cluster Job (`make load-cluster`, cdk8s's 90-load-test), shortened
// with LOAD_SCALE: it completes, and its thresholds (dev/traffic/scenario.json) held.
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { kubectlJson, useCluster } from './kube'
import { run } from '../../dev/cluster/run'

const LOAD_SCALE = '0.2' // 30 s of the seed report's 2.5 minutes

describe('the load scenario as the in-cluster Job', { concurrency: false }, () => {
  before(useCluster)

  it('completes within its thresholds', async () => {
    const started = Date.now()
    const load = await run(
      'make',
      ['--no-print-directory', 'load-cluster', `LOAD_SCALE=${LOAD_SCALE}`],
      process.env,
    )
    const seconds = ((Date.now() - started) / 1000).toFixed(0)
    const lines = load.stdout.trim().split('\n')
    console.log(
      `# make load-cluster LOAD_SCALE=${LOAD_SCALE} (${seconds} s):\n${lines
        .slice(-14)
        .map((l) => `#   ${l}`)
        .join('\n')}`,
    )
    assert.equal(load.code, 0, `${load.stdout.slice(-3000)}\n${load.stderr.slice(-2000)}`)
    const job = await kubectlJson<{ status: { succeeded?: number; failed?: number } }>(
      '-n',
      'shop',
      'get',
      'job',
      'shop-load',
    )
    assert.equal(job.status.succeeded, 1)
    assert.match(load.stdout, /Aggregated/)
  })
})
