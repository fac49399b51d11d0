// The in-cluster receiver's log, read back by the chaos tests and the resolutions' check after
// them.
import { join } from 'node:path'
import { type Notification, parseNotifications } from '../../dev/cluster/alert-receiver'
import { RUN_DIR, kubectl } from './kube'

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
