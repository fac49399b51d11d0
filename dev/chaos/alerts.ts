// An alert seen where it matters: listed by Alertmanager (its API), and delivered to the
// in-cluster receiver (its log, parsed by dev/cluster/alert-receiver.ts).
import { receiverNotifications, seen } from '../cluster/alert-receiver'
import { NODE_PORTS } from '@shopscope/system'
import { nodeUrl } from '../cluster/kind'

export const ALERTMANAGER_URL = process.env.ALERTMANAGER_URL || nodeUrl(NODE_PORTS.alertmanager)

/** How many alerts Alertmanager lists with these labels (a resolved alert is not listed). */
export async function alertsListed(labels: Record<string, string>): Promise<number> {
  const query = new URLSearchParams(
    Object.entries(labels).map(([key, value]): [string, string] => ['filter', `${key}="${value}"`]),
  )
  const res = await fetch(`${ALERTMANAGER_URL}/api/v2/alerts?${query}`, {
    signal: AbortSignal.timeout(10_000),
  })
  if (!res.ok) throw new Error(`Alertmanager ${ALERTMANAGER_URL}: ${res.status}`)
  return ((await res.json()) as unknown[]).length
}

/** Whether the receiver logged a notification of `status` for the alert since `since`. */
export async function deliveredToReceiver(
  since: Date,
  status: 'firing' | 'resolved',
  labels: Record<string, string> & { alertname: string },
): Promise<boolean> {
  const { alertname, ...rest } = labels
  return seen(await receiverNotifications(since), alertname, status, rest)
}
