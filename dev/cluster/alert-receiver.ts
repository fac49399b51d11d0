// What Alertmanager delivered to the in-cluster webhook receiver (cdk8s alerting.ts logs each
// notification), read from its log; shared by the chaos scenarios, the chaos tests and the
// resolutions' check after them.
import { NAMESPACES } from '@shopscope/system'
import { kubectl } from './kube'

export type Notification = {
  status: string
  alerts: { status: string; labels: Record<string, string> }[]
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

/** The notifications the receiver logged since `since`. */
export async function receiverNotifications(since: Date): Promise<Notification[]> {
  const rfc3339 = since.toISOString().replace(/\.\d+Z$/, 'Z')
  const log = await kubectl(
    '--namespace',
    NAMESPACES.observability,
    'logs',
    'deploy/alert-receiver',
    `--since-time=${rfc3339}`,
  )
  return parseNotifications(log)
}
