// What Alertmanager delivered to the in-cluster webhook receiver (cdk8s alerting.ts logs each
// notification), read from its log; shared by the chaos tests, `make chaos-node` and the
// resolutions' check after them.
import { join } from 'node:path'
import { RUN_DIR, kubectl } from './kube'

export type Notification = {
  status: string
  alerts: { status: string; labels: Record<string, string> }[]
}

/** Where the chaos test leaves the time it started, for the resolutions' check. */
export const CHAOS_STARTED_AT = join(RUN_DIR, 'chaos-started-at')

/** The notifications the receiver logged since `since` (RFC 3339). */
export async function delivered(since: string): Promise<Notification[]> {
  const log = await kubectl(
    '-n',
    'observability',
    'logs',
    'deploy/alert-receiver',
    `--since-time=${since}`,
  )
  return parseNotifications(log)
}

/** The notifications in the receiver's log (one line each, the webhook's JSON body). */
export const parseNotifications = (log: string): Notification[] =>
  log
    .split('\n')
    .map((line) => /^alert delivered to \S+: (\{.*\})$/.exec(line)?.[1])
    .filter((body): body is string => body !== undefined)
    .map((body) => JSON.parse(body) as Notification)

/**
 * Whether a notification with `status` (firing|resolved) of `alertname` was delivered, for an
 * alert with every one of `labels` (e.g. the node of NodeNotReady) when given.
 */
export const seen = (
  notifications: Notification[],
  alertname: string,
  status: string,
  labels: Record<string, string> = {},
) =>
  notifications.some(
    (n) =>
      n.status === status &&
      n.alerts.some(
        (a) =>
          a.labels.alertname === alertname &&
          Object.entries(labels).every(([key, value]) => a.labels[key] === value),
      ),
  )
