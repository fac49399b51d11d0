// The last file of `make test-cluster`: the resolutions of the alerts chaos.test.ts and
// node-failure.test.ts raised were delivered to the receiver. Alertmanager sends them at the group's next group_interval (5 min,
// alerts/alertmanager.yaml) after the firing notification, while the files between ran.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { before, describe, it } from 'node:test'
import { seen } from '../../dev/cluster/alert-receiver'
import { CHAOS_STARTED_AT, delivered } from './receiver-log'
import { eventually } from '../local/eventually'
import { useCluster } from './kube'

// chaos.test.ts's two, then node-failure.test.ts's (it started after CHAOS_STARTED_AT).
const RESOLVED = ['MySQLDown', 'ServiceDown', 'NodeNotReady']

describe('after make chaos', { concurrency: false }, () => {
  before(useCluster)

  it(
    'delivered the resolutions of MySQLDown, ServiceDown and NodeNotReady',
    { timeout: 600_000 },
    async () => {
      assert.ok(
        existsSync(CHAOS_STARTED_AT),
        'chaos.test.ts ran first (it records when it started)',
      )
      const since = readFileSync(CHAOS_STARTED_AT, 'utf8').trim()
      const waited = Date.now()
      await eventually(
        'the three resolutions delivered',
        async () => {
          const notifications = await delivered(since)
          return RESOLVED.every((a) => seen(notifications, a, 'resolved')) ? true : undefined
        },
        480_000,
        10_000,
      )
      const minutes = (Date.now() - Date.parse(since)) / 60_000
      console.log(
        `# resolutions delivered ${minutes.toFixed(1)} min after make chaos started (waited ${((Date.now() - waited) / 1000).toFixed(0)} s here)`,
      )
    },
  )
})
