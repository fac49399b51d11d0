// `make chaos-node` on the kind cluster of `make cluster-up` (two workers): the worker without
// monitoring stopped under shopper load, its shop pods rescheduled on the other, NodeNotReady
// delivered; started again, the cluster converges and the alert resolves; every order the shop
// acknowledged is found once. Its resolution is delivered at the group's next group_interval
// (5 min): alert-resolutions.test.ts, the last file, checks it.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { seen } from '../../dev/cluster/alert-receiver'
import { delivered } from './receiver-log'
import { RUN_DIR, useCluster } from './kube'
import { run } from '../../dev/cluster/run'

const SUMMARY = join(RUN_DIR, 'node-failure-summary.json')

type Summary = {
  node: string
  timings: Record<string, number>
  requests: { outage: { ok: number; failed: number }; all: { ok: number; failed: number } }
  orders: { acknowledged: number; found: number; duplicated: number; lost: number[] }
  negativeStock: string[]
  strandedStatefulSets: string[]
  failedChecks: string[]
}

describe('make chaos-node', { concurrency: false }, () => {
  before(useCluster)

  it(
    "reschedules a lost worker's pods, delivers NodeNotReady, converges, loses no order",
    { timeout: 2_400_000 },
    async () => {
      const since = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
      const chaos = await run(
        'make',
        // A node failure needs kind's nodes (containers); dev/cluster/kind.ts decides the engine.
        ['--no-print-directory', 'chaos-node'],
        { ...process.env, CHAOS_AWAIT_RESOLUTION_DELIVERY: '0', CHAOS_NODE_SUMMARY: SUMMARY },
      )
      const printed = chaos.stdout.slice(chaos.stdout.lastIndexOf('summary:'))
      console.log(`# make chaos-node ${printed.replace(/^\S+ /gm, '').replace(/^/gm, '#   ')}`)
      assert.equal(chaos.code, 0, `${chaos.stdout.slice(-4000)}\n${chaos.stderr.slice(-3000)}`)

      const summary = JSON.parse(readFileSync(SUMMARY, 'utf8')) as Summary
      for (const step of [
        'node NotReady',
        'NodeNotReady firing',
        'NodeNotReady delivered',
        'shop rescheduled',
        'node Ready',
        'converged',
        'NodeNotReady resolved',
      ])
        assert.equal(typeof summary.timings[step], 'number', `${step} timed`)
      assert.deepEqual(summary.failedChecks, [])
      assert.ok(summary.orders.acknowledged > 0, 'orders were acknowledged')
      assert.equal(summary.orders.found, summary.orders.acknowledged)
      assert.deepEqual(summary.orders.lost, [])
      assert.equal(summary.orders.duplicated, 0)
      assert.deepEqual(summary.negativeStock, [])
      // Failed requests are reported, not asserted: a database stranded on the stopped node
      // (its local volume) takes its service's pages down until the node is back.
      console.log(
        `# requests during the outage: ${summary.requests.outage.ok} ok, ${summary.requests.outage.failed} failed; stranded: ${summary.strandedStatefulSets.join(', ') || 'none'}`,
      )

      const notifications = await delivered(since)
      assert.ok(
        seen(notifications, 'NodeNotReady', 'firing', { node: summary.node }),
        `NodeNotReady of ${summary.node} delivered to the receiver`,
      )
    },
  )
})
