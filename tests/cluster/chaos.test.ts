// `make chaos-pods` (the first half of `make chaos`; node-failure.test.ts runs the other) on the
// cluster of `make cluster-up`: a deleted shop pod is replaced; a MySQL
// StatefulSet and product-service at zero fire MySQLDown and ServiceDown, which Alertmanager
// delivers to the in-cluster receiver (read back here from its log); restored, both resolve.
// Their resolutions are delivered at the group's next group_interval (5 min): the other files
// run meanwhile, and alert-resolutions.test.ts, the last, checks them.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { before, describe, it } from 'node:test'
import { seen } from '../../dev/cluster/alert-receiver'
import { CHAOS_STARTED_AT, delivered } from './receiver-log'
import { useCluster } from './kube'
import { run } from '../../dev/cluster/run'

describe('make chaos-pods', { concurrency: false }, () => {
  before(useCluster)

  it(
    'replaces a killed pod, delivers MySQLDown and ServiceDown, resolves both',
    { timeout: 900_000 },
    async () => {
      const since = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
      writeFileSync(CHAOS_STARTED_AT, since)
      const chaos = await run('make', ['--no-print-directory', 'chaos-pods'], {
        ...process.env,
        CHAOS_AWAIT_RESOLUTION_DELIVERY: '0',
      })
      const summary = chaos.stdout.slice(chaos.stdout.lastIndexOf('summary'))
      console.log(`# make chaos-pods ${summary.replace(/^\S+ /gm, '').replace(/^/gm, '#   ')}`)
      assert.equal(chaos.code, 0, `${chaos.stdout.slice(-3000)}\n${chaos.stderr.slice(-3000)}`)
      assert.match(summary, /1 +kill pod\/\S+ +replaced/)
      assert.match(summary, /MySQLDown +resolved/)
      assert.match(summary, /ServiceDown +resolved/)

      const notifications = await delivered(since)
      for (const alertname of ['MySQLDown', 'ServiceDown'])
        assert.ok(
          seen(notifications, alertname, 'firing'),
          `${alertname} delivered to the receiver`,
        )
      // Any ServiceDown firing, not the first notification naming ServiceDown: a resolution of
      // an earlier one (a slow bring-up) may be delivered after the chaos started.
      const serviceDown = notifications
        .flatMap((n) => n.alerts)
        .filter((a) => a.labels.alertname === 'ServiceDown')
        .map((a) => `${a.labels.service_name} ${a.status}`)
      console.log(
        `# ServiceDown alerts delivered since the chaos started: ${serviceDown.join(', ')}`,
      )
      assert.ok(serviceDown.includes('product-service firing'), serviceDown.join(', '))
    },
  )
})
