// `make chaos` on the cluster of `make cluster-up`: a deleted shop pod is replaced; a MySQL
// StatefulSet and product-service at zero fire MySQLDown and ServiceDown, which Alertmanager
// delivers to the in-cluster receiver; restored, both resolve and the resolutions are delivered.
// The script's own checks are read back here from the receiver's log. Last of the files of
// `make test-cluster`: it takes workloads away.
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { kubectl, useCluster } from './kube'
import { run } from './run'

type Notification = { status: string; alerts: { status: string; labels: Record<string, string> }[] }

/** The notifications the receiver logged since `since` (RFC 3339). */
async function delivered(since: string): Promise<Notification[]> {
  const log = await kubectl(
    '-n',
    'observability',
    'logs',
    'deploy/alert-receiver',
    `--since-time=${since}`,
  )
  return log
    .split('\n')
    .map((line) => /^alert delivered to \S+: (\{.*\})$/.exec(line)?.[1])
    .filter((body): body is string => body !== undefined)
    .map((body) => JSON.parse(body) as Notification)
}

describe('make chaos', { concurrency: false }, () => {
  before(useCluster)

  it(
    'replaces a killed pod, delivers MySQLDown and ServiceDown, then their resolutions',
    { timeout: 1_200_000 },
    async () => {
      const since = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
      const chaos = await run(
        'make',
        ['--no-print-directory', 'chaos', 'CLUSTER_PROVIDER=source'],
        process.env,
      )
      const summary = chaos.stdout.slice(chaos.stdout.lastIndexOf('summary'))
      console.log(`# make chaos ${summary.replace(/^\S+ /gm, '').replace(/^/gm, '#   ')}`)
      assert.equal(chaos.code, 0, `${chaos.stdout.slice(-3000)}\n${chaos.stderr.slice(-3000)}`)
      assert.match(summary, /1 +kill pod\/\S+ +replaced/)

      const notifications = await delivered(since)
      const seen = (alertname: string, status: string) =>
        notifications.some(
          (n) => n.status === status && n.alerts.some((a) => a.labels.alertname === alertname),
        )
      for (const alertname of ['MySQLDown', 'ServiceDown'])
        for (const status of ['firing', 'resolved'])
          assert.ok(seen(alertname, status), `${alertname} ${status} delivered to the receiver`)
      const down = notifications.find((n) =>
        n.alerts.some((a) => a.labels.alertname === 'ServiceDown'),
      )
      assert.equal(down?.alerts[0]?.labels.service_name, 'product-service')
    },
  )
})
